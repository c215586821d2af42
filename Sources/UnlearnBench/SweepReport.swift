import Foundation
import UnlearnStore

/// Renders sweep results as a Markdown report and a plot (accuracy vs S, speed-up vs K).
public enum SweepReport {
    /// Rows of the stdout table, also used in the Markdown report.
    public static func table(_ results: [SweepResult]) -> String {
        var lines = [
            "| S | R | K | placement | acc vote % | acc mean % | train s | unlearn s | speed-up | predicted | shards retrained |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in results {
            lines.append(String(
                format: "| %d | %d | %d | %@ | %@ | %@ | %.2f | %.3f | %.1f× | %.1f× | %d |", r.shards, r.slices, r.requests, r.placement,
                percent(r.accuracyVote), percent(r.accuracyMean), r.trainSeconds, r.unlearnSeconds, r.speedup, r.predictedSpeedup, r.shardsRetrained))
        }
        return lines.joined(separator: "\n")
    }

    /// Gain of prior placement over uniform placement for the same S, R, K (uniform time / prior time).
    public static func priorGains(_ results: [SweepResult]) -> String? {
        let prior = results.filter { $0.placement == "prior" }
        guard !prior.isEmpty else { return nil }
        var lines = ["| S | R | K | uniform unlearn s | prior unlearn s | gain |", "|---|---|---|---|---|---|"]
        for p in prior {
            guard let u = results.first(where: { $0.placement == "uniform" && $0.shards == p.shards && $0.slices == p.slices && $0.requests == p.requests }) else { continue }
            lines.append(String(format: "| %d | %d | %d | %.3f | %.3f | %.2f× |", p.shards, p.slices, p.requests, u.unlearnSeconds, p.unlearnSeconds, u.unlearnSeconds / p.unlearnSeconds))
        }
        return lines.joined(separator: "\n")
    }

    public static func markdown(_ results: [SweepResult], title: String, plot: String?) -> String {
        let monolithic = results.first?.monolithicAccuracy.map { String(format: "%.2f%%", 100 * $0) } ?? "n/a"
        let retrain = results.first.map { String(format: "%.2f s", $0.retrainSeconds) } ?? "n/a"
        var text = """
            # unlearn bench: \(title)

            Monolithic S=1, R=1 model: accuracy \(monolithic), full retrain \(retrain) (measured in the same run).
            "unlearn s" is the time from `delete` of K records to a published version, on a scratch copy of the
            trained store (median over trials with fresh random requests); "speed-up" is the monolithic retrain time over it; "predicted" is the cost model's
            ratio of sample-passes (monolithic e₀·N over the retrain plan's).

            \(table(results))

            """
        if let gains = priorGains(results) {
            text += "\n## Prior placement vs uniform (requests drawn from the prior)\n\n\(gains)\n"
        }
        if let plot { text += "\n![accuracy vs S and speed-up vs K](\(plot))\n" }
        return text
    }

    /// Writes the plot's data and gnuplot script to `directory` and renders `bench.svg` with gnuplot,
    /// or draws it directly (``svg(_:title:)``) when gnuplot is not installed. Returns the SVG's file
    /// name, or nil (with the reason) when gnuplot fails.
    public static func plot(_ results: [SweepResult], title: String, to directory: String) throws -> (svg: String?, note: String) {
        let uniform = results.filter { $0.placement == "uniform" }
        var accuracy = "# S R accuracy_mean% accuracy_vote%\n"
        var seen = Set<String>()
        let slicesList = Array(Set(uniform.map(\.slices))).sorted()
        for r in slicesList {
            for s in Array(Set(uniform.map(\.shards))).sorted() {
                guard let row = uniform.first(where: { $0.shards == s && $0.slices == r }), seen.insert("\(s)-\(r)").inserted else { continue }
                accuracy += "\(s) \(r) \(100 * (row.accuracyMean ?? 0)) \(100 * (row.accuracyVote ?? 0))\n"
            }
            accuracy += "\n\n"
        }
        var speedup = "# K measured predicted\n"
        let configurations = Array(Set(uniform.map { "\($0.shards) \($0.slices)" })).sorted { a, b in
            a.split(separator: " ").compactMap { Int($0) }.lexicographicallyPrecedes(b.split(separator: " ").compactMap { Int($0) })
        }
        for configuration in configurations {
            for row in uniform.filter({ "\($0.shards) \($0.slices)" == configuration }).sorted(by: { $0.requests < $1.requests }) {
                speedup += "\(row.requests) \(row.speedup) \(row.predictedSpeedup)\n"
            }
            speedup += "\n\n"
        }
        try accuracy.write(toFile: directory + "/accuracy.dat", atomically: true, encoding: .utf8)
        try speedup.write(toFile: directory + "/speedup.dat", atomically: true, encoding: .utf8)
        let monolithic = 100 * (results.first?.monolithicAccuracy ?? 0)
        let accuracyPlots = slicesList.enumerated().map { i, r in "'accuracy.dat' index \(i) using 1:3 with linespoints lw 2 title 'R=\(r)'" }
        let speedPlots = configurations.enumerated().map { i, c in
            let parts = c.split(separator: " ")
            return "'speedup.dat' index \(i) using 1:2 with linespoints lw 2 title 'S=\(parts[0]) R=\(parts[1])'"
        }
        let script = """
            set terminal svg size 1100,440 dynamic font 'sans,12'
            set output 'bench.svg'
            set multiplot layout 1,2 title '\(title.replacingOccurrences(of: "'", with: ""))'
            set grid
            set logscale x 2
            set title 'Ensemble accuracy (mean aggregation) vs shards'
            set xlabel 'shards S'
            set ylabel 'test accuracy (%)'
            set key bottom left
            plot \((accuracyPlots + ["\(monolithic) with lines dt 2 lw 2 title 'monolithic'"]).joined(separator: ", \\\n     "))
            set title 'Unlearning speed-up vs requests K (vs monolithic retrain)'
            set xlabel 'requests K'
            set ylabel 'speed-up (x)'
            set logscale y 2
            set key top right
            plot \(speedPlots.joined(separator: ", \\\n     "))
            unset multiplot

            """
        try script.write(toFile: directory + "/bench.gp", atomically: true, encoding: .utf8)
        // UNLEARN_GNUPLOT names another gnuplot, or (empty) turns it off.
        let candidates = ProcessInfo.processInfo.environment["UNLEARN_GNUPLOT"].map { [$0] } ?? ["/usr/bin/gnuplot", "/usr/local/bin/gnuplot"]
        guard let gnuplot = candidates.first(where: { !$0.isEmpty && FileManager.default.isExecutableFile(atPath: $0) }) else {
            // Without gnuplot the same two panels are drawn directly, so a report always has its picture.
            try svg(results, title: title).write(toFile: directory + "/bench.svg", atomically: true, encoding: .utf8)
            return ("bench.svg", "plot: \(directory)/bench.svg (drawn without gnuplot; bench.gp renders it with gnuplot)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gnuplot)
        process.arguments = ["bench.gp"]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return (nil, "gnuplot failed (exit \(process.terminationStatus)) on \(directory)/bench.gp") }
        return ("bench.svg", "plot: \(directory)/bench.svg")
    }

    static func percent(_ value: Double?) -> String { value.map { String(format: "%.2f", 100 * $0) } ?? "-" }
}
