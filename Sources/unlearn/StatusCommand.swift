import ArgumentParser
import Foundation
import UnlearnStore

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the store: configuration, version, partition sizes, pending requests.")

    @OptionGroup var location: StoreOptions
    @Flag(help: "Print one JSON object.") var json = false
    @Flag(help: "Show how the training data was read: each column's role, type, categories and missing share.") var schema = false

    func run() throws {
        try execute {
            let store = try location.open(readOnly: true)
            let s = try store.status()
            if schema {
                if json { return try printJSON(store.config.schema) }
                for line in store.config.schema.summaryLines(rows: s.liveRecords + s.pendingRecords + s.deletedRecords) { print(line) }
                return
            }
            if json { return try printJSON(s) }
            let iso = ISO8601DateFormatter()
            print("store        \(s.store)  (data: \(s.source))")
            print("model        \(s.model), \(s.optimizer), e0=\(s.epochs), batch \(s.batch), seed \(s.seed), \(s.aggregation) aggregation")
            print("data         \(s.features) features, \(s.classes.count) classes: \(s.classes.prefix(10).joined(separator: ", "))\(s.classes.count > 10 ? ", …" : "")")
            print("partition    \(s.shards) shards × \(s.slices) slices, \(s.placement) placement")
            print("version      \(s.version)\(s.trained ? "" : " (not trained yet: run 'unlearn train')")")
            print("records      \(s.liveRecords) live, \(s.pendingRecords) awaiting deletion, \(s.deletedRecords) deleted")
            print("requests     \(s.pendingRequests) pending" + (s.earliestDue.map { ", earliest due \(iso.string(from: $0))" } ?? ""))
            if let job = s.lastJob {
                let seconds = job.seconds.map { String(format: ", %.2f s", $0) } ?? ""
                print("last job     #\(job.id) \(job.kind.rawValue) \(job.status.rawValue) at \(iso.string(from: job.startedAt))\(seconds)")
            }
            print("rows per slice (shard: slice 0 … \(s.slices - 1))")
            for (shard, rows) in s.sliceRows.enumerated() {
                print(String(format: "  %3d: ", shard) + rows.map(String.init).joined(separator: " ") + "  = \(rows.reduce(0, +))")
            }
        }
    }
}
