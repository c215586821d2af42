import ArgumentParser
import Foundation
import UnlearnStore

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train every shard slice by slice (checkpoint per slice) and publish a model version.")

    @OptionGroup var location: StoreOptions
    @Option(help: "Retrain only this shard from scratch (e.g. to rebuild a damaged checkpoint).") var shard: Int?
    @Flag(help: "Print the report as one JSON object.") var json = false

    func run() throws {
        try execute {
            let store = try location.open()
            let report = try store.train(shard: shard)
            if json {
                try printJSON(report)
            } else {
                print(String(format: "trained %d shard(s) in %.2f s (%.0f samples/s); published version %d",
                             report.shards.count, report.seconds, Double(report.samples) / max(report.seconds, 1e-9), report.version))
            }
        }
    }
}
