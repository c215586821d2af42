import Foundation

extension SweepReport {
    /// The two panels of `bench.svg` drawn without gnuplot: ensemble accuracy (mean aggregation)
    /// against S, one line per R with the monolithic model dashed; and the measured unlearning
    /// speed-up against K, one line per (S, R). Both x axes (and the speed-up axis) are log2.
    public static func svg(_ results: [SweepResult], title: String) -> String {
        let uniform = results.filter { $0.placement == "uniform" }
        let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]
        var accuracySeries: [(String, [(Double, Double)])] = []
        for r in Set(uniform.map(\.slices)).sorted() {
            var points: [Int: Double] = [:]
            for row in uniform where row.slices == r { points[row.shards] = 100 * (row.accuracyMean ?? 0) }
            accuracySeries.append(("R=\(r)", points.keys.sorted().map { (Double($0), points[$0]!) }))
        }
        var speedSeries: [(String, [(Double, Double)])] = []
        let configurations = Set(uniform.map { [$0.shards, $0.slices] }).sorted { $0.lexicographicallyPrecedes($1) }
        for c in configurations {
            let rows = uniform.filter { $0.shards == c[0] && $0.slices == c[1] }.sorted { $0.requests < $1.requests }
            speedSeries.append(("S=\(c[0]) R=\(c[1])", rows.map { (Double($0.requests), max($0.speedup, 1e-3)) }))
        }
        let monolithic = results.first?.monolithicAccuracy.map { 100 * $0 }
        var body = ""
        body += panel(x: 60, title: "Ensemble accuracy (mean aggregation) vs shards", xLabel: "shards S", yLabel: "test accuracy (%)",
                      series: accuracySeries, reference: monolithic.map { ("monolithic", $0) }, logY: false, colors: colors)
        body += panel(x: 610, title: "Unlearning speed-up vs requests K", xLabel: "requests K", yLabel: "speed-up (×)",
                      series: speedSeries, reference: nil, logY: true, colors: colors)
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="1100" height="440" viewBox="0 0 1100 440" font-family="sans-serif" font-size="12">
            <rect width="1100" height="440" fill="white"/>
            <text x="550" y="20" text-anchor="middle" font-size="14">\(escape(title))</text>
            \(body)</svg>

            """
    }

    /// One plot 440 wide: axes with ticks at the data's x values, lines with markers, a legend.
    private static func panel(x: Double, title: String, xLabel: String, yLabel: String, series: [(String, [(Double, Double)])],
                              reference: (String, Double)?, logY: Bool, colors: [String]) -> String {
        let left = x, top = 50.0, width = 440.0, height = 320.0
        let xs = Set(series.flatMap { $0.1.map(\.0) }).sorted()
        var ys = series.flatMap { $0.1.map(\.1) } + (reference.map { [$0.1] } ?? [])
        if ys.isEmpty { ys = [0, 1] }
        let fx = { (v: Double) in log2(max(v, 1e-9)) }
        let fy = { (v: Double) in logY ? log2(max(v, 1e-9)) : v }
        let x0 = fx(xs.first ?? 1), x1 = max(fx(xs.last ?? 2), x0 + 1)
        var y0 = fy(ys.min()!), y1 = fy(ys.max()!)
        let pad = max((y1 - y0) * 0.08, logY ? 0.25 : 0.5)
        y0 -= pad; y1 += pad
        let px = { (v: Double) in left + (fx(v) - x0) / (x1 - x0) * width }
        let py = { (v: Double) in top + height - (fy(v) - y0) / (y1 - y0) * height }
        var out = "<g>\n<text x=\"\(f(left + width / 2))\" y=\"42\" text-anchor=\"middle\">\(escape(title))</text>\n"
        out += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"none\" stroke=\"#444\"/>\n"
        for v in xs {
            out += "<line x1=\"\(f(px(v)))\" y1=\"\(f(top))\" x2=\"\(f(px(v)))\" y2=\"\(f(top + height))\" stroke=\"#ddd\"/>"
            out += "<text x=\"\(f(px(v)))\" y=\"\(f(top + height + 16))\" text-anchor=\"middle\">\(Int(v))</text>\n"
        }
        for k in 0...5 {
            let t = y0 + (y1 - y0) * Double(k) / 5
            let value = logY ? pow(2, t) : t
            let y = top + height - Double(k) / 5 * height
            out += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + width))\" y2=\"\(f(y))\" stroke=\"#ddd\"/>"
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(String(format: value < 10 ? "%.2f" : "%.1f", value))</text>\n"
        }
        out += "<text x=\"\(f(left + width / 2))\" y=\"\(f(top + height + 34))\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        out += "<text transform=\"translate(\(f(left - 46)),\(f(top + height / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>\n"
        var legend: [(String, String, Bool)] = []
        for (i, (name, points)) in series.enumerated() {
            let color = colors[i % colors.count]
            let path = points.map { "\(f(px($0.0))),\(f(py($0.1)))" }.joined(separator: " ")
            out += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            for p in points { out += "<circle cx=\"\(f(px(p.0)))\" cy=\"\(f(py(p.1)))\" r=\"3\" fill=\"\(color)\"/>" }
            out += "\n"
            legend.append((name, color, false))
        }
        if let (name, value) = reference {
            out += "<line x1=\"\(f(left))\" y1=\"\(f(py(value)))\" x2=\"\(f(left + width))\" y2=\"\(f(py(value)))\" stroke=\"#000\" stroke-width=\"2\" stroke-dasharray=\"6,4\"/>\n"
            legend.append((name, "#000", true))
        }
        for (i, item) in legend.enumerated() {
            let y = top + 14 + Double(i) * 16
            out += "<line x1=\"\(f(left + width - 120))\" y1=\"\(f(y - 4))\" x2=\"\(f(left + width - 96))\" y2=\"\(f(y - 4))\" stroke=\"\(item.1)\" stroke-width=\"2\"\(item.2 ? " stroke-dasharray=\"6,4\"" : "")/>"
            out += "<text x=\"\(f(left + width - 90))\" y=\"\(f(y))\">\(escape(item.0))</text>\n"
        }
        return out + "</g>\n"
    }

    private static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
