import ArgumentParser
import Foundation
import UnlearnStore

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Accuracy of the live ensemble (and each shard) on a labelled test file.")

    @OptionGroup var location: StoreOptions
    @OptionGroup var source: StoreDataOptions
    @Flag(help: "Also train and score a monolithic S=1, R=1 baseline on the same rows.") var baseline = false
    @Flag(help: "End with one JSON object holding accuracy and shard_accuracies.") var json = false

    func run() throws {
        try execute {
            let store = try source.open(location)
            let report = try store.evaluate(
                data: source.dataURL, labels: source.labelsURL, monolithic: baseline, excludingPending: source.excludePending)
            printNotes(report.notes, excluded: json ? report.excludedShards : [])
            if json {
                try printJSON(report)
                return
            }
            let config = store.config
            let trainSeconds = report.training?.seconds
            print("test rows: \(report.rows)   model version: \(report.version)")
            print("model                          accuracy   train time")
            let ensembleTime = trainSeconds.map { String(format: "%8.2f s", $0) } ?? "       -"
            for aggregation in ["vote", "mean"] {
                let label = "SISA S=\(config.shards) R=\(config.slices) (\(aggregation))"
                print(String(format: "%@ %7.2f%%   %@", label.padding(toLength: 30, withPad: " ", startingAt: 0),
                             100 * report.accuracyByAggregation[aggregation]!, ensembleTime))
            }
            if let monolithic = report.monolithic {
                print(String(format: "%@ %7.2f%%   %8.2f s", "monolithic S=1 R=1".padding(toLength: 30, withPad: " ", startingAt: 0),
                             100 * monolithic.accuracy, monolithic.trainSeconds))
            }
            let shards = report.shardAccuracies.map { String(format: "%.1f", 100 * $0) }.joined(separator: " ")
            print("per-shard accuracy (%): \(shards)")
            if source.excludePending {
                print(report.excludedShards.isEmpty ? "no shard holds a pending deletion: none left out"
                      : "left out shard(s) \(report.excludedShards.map(String.init).joined(separator: ", ")) (records awaiting deletion)")
            }
        }
    }
}

/// Prints how the input was read, and the shards left out, on stderr (stdout stays machine-readable).
func printNotes(_ notes: [String], excluded: [Int]) {
    var text = notes.map { "note: \($0)\n" }.joined()
    if !excluded.isEmpty {
        text += "note: left out shard(s) \(excluded.map(String.init).joined(separator: ", ")): they hold records awaiting deletion\n"
    }
    FileHandle.standardError.write(Data(text.utf8))
}
