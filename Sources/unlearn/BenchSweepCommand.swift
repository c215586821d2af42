import ArgumentParser
import UnlearnBench
import Foundation
import UnlearnCore
import UnlearnData
import UnlearnStore

/// `unlearn bench`: the accuracy / unlearning-cost trade-off on the user's own data.
struct BenchSweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Sweep shards × slices × requests: accuracy, training time, time to unlearn K requests vs a monolithic retrain.",
        discussion: "The default subcommand of 'bench': 'unlearn bench --data … --shards 1,5,10,20 --slices 1,10 --requests 1,8,32'.")

    @OptionGroup var source: ImportOptions
    @OptionGroup var test: TestDataOptions
    @Option(help: "Comma-separated shard counts.") var shards: String = "1,5,10,20"
    @Option(help: "Comma-separated slice counts.") var slices: String = "1,10"
    @Option(help: "Comma-separated numbers of deletion requests K.") var requests: String = "1,8,32"
    @Option(help: "Model, as in init.") var model: String = "mlp:128"
    @Option(help: "Epochs e0.") var epochs: Int = 10
    @Option(help: "Mini-batch size.") var batch: Int = 64
    @Option(help: "adam or sgd.") var optimizer: OptimizerKind = .adam
    @Option(help: "Learning rate.") var lr: Float?
    @Option var seed: UInt64 = 1
    @Option(help: "Unlearning runs per configuration and K (fresh random requests each); the median is reported.") var trials: Int = 3
    @Option(help: "Scratch directory for the stores (default: a new temporary directory).") var work: String?
    @Option(help: "Write bench.md, bench.svg and the plot data here.") var report: String?
    @Flag(help: "One JSON object per measured configuration instead of the table.") var json = false

    func run() throws {
        try execute {
            let csv = try source.csvOptions()
            let (_, data) = try Importer.fit(format: source.format, data: source.dataURL, labels: source.labelsURL, csv: csv)
            if source.prior != nil && data.priors == nil { throw UnlearnError(.usage, "--prior did not yield likelihoods") }
            let workDirectory = work ?? NSTemporaryDirectory() + "unlearn-bench-" + UUID().uuidString
            var options = SweepOptions(
                template: CreateOptions(
                    root: "", format: source.format, data: source.dataURL, labels: source.labelsURL, csv: csv, shards: 1, slices: 1,
                    training: TrainingConfig(
                        model: try ModelSpec(parsing: model), optimizer: OptimizerSpec(kind: optimizer, learningRate: lr),
                        epochs: epochs, batchSize: batch, seed: seed),
                    aggregation: .mean, placement: .uniform, dueDays: 30),
                test: test.dataURL, testLabels: test.labelsURL, shards: try intList(shards, name: "--shards"),
                slices: try intList(slices, name: "--slices"), requests: try intList(requests, name: "--requests"),
                work: workDirectory, comparePrior: data.priors != nil)
            options.trials = trials
            let stderr = FileHandle.standardError
            let results = try Sweep.run(options, ids: data.ids, priors: data.priors, progress: { stderr.write(Data("bench: \($0)\n".utf8)) }) { result in
                if json { try? printJSON(result) }
            }
            if work == nil { try? FileManager.default.removeItem(atPath: workDirectory) }
            let title = "\(source.dataURL.lastPathComponent), \(model), e0=\(epochs), batch \(batch)"
            if !json {
                if let first = results.first {
                    print(String(format: "monolithic S=1 R=1: accuracy %@, full retrain %.2f s", first.monolithicAccuracy.map { String(format: "%.2f%%", 100 * $0) } ?? "n/a", first.retrainSeconds))
                }
                print(SweepReport.table(results))
                if let gains = SweepReport.priorGains(results) { print("\nprior placement vs uniform:\n" + gains) }
            }
            if let report {
                try AtomicFile.makeDirectory(report)
                let (svg, note) = try SweepReport.plot(results, title: title, to: report)
                try SweepReport.markdown(results, title: title, plot: svg).write(toFile: report + "/bench.md", atomically: true, encoding: .utf8)
                stderr.write(Data("bench: report \(report)/bench.md; \(note)\n".utf8))
            }
        }
    }
}
