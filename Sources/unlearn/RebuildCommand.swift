import ArgumentParser
import Foundation
import UnlearnStore

struct RebuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild", abstract: "Refit the schema to the live records and retrain every shard from slice 0.",
        discussion: """
            What a retrain does by itself when its deletions change the schema (a category or class falls below \
            --min-category-count, or a quantised statistic moves). Pending requests are completed too. Row files change only \
            where records are removed; every checkpoint is rewritten and the old ones purged.
            """)

    @OptionGroup var location: StoreOptions
    @Flag(help: "Print the report as one JSON object.") var json = false

    func run() throws {
        try execute {
            let report = try location.open().retrain(RetrainPolicy(rebuild: true))
            if json { return try printJSON(report) }
            print(String(format: "published version %d in %.2f s: schema refitted, every shard retrained from slice 0, %d request(s) completed, %d superseded file(s) removed",
                         report.version ?? 0, report.seconds, report.completedRequests.count, report.purgedFiles.count))
        }
    }
}
