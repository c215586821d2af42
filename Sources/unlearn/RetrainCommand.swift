import ArgumentParser
import Foundation
import UnlearnStore

struct RetrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrain", abstract: "Unlearn all pending deletion requests and publish a new model version.",
        discussion: """
            Made for schedulers: exits 0 when there is nothing to do or a policy defers the run, 75 when another job holds the \
            store lock. With --if-pending/--max-wait/--before-due it runs when any condition holds (or a request is overdue).
            """)

    @OptionGroup var location: StoreOptions
    @Option(help: "Only this shard (lets separate workers split the work).") var shard: Int?
    @Option(help: "Run only when at least N requests are pending.") var ifPending: Int?
    @Option(help: "…or when the oldest pending request has waited this long (e.g. 6h, 2d).") var maxWait: String?
    @Option(help: "…or when a request falls due within this margin (e.g. 48h).") var beforeDue: String?
    @Flag(help: "Print what the retrain would do (and whether it changes the schema); write nothing.") var dryRun = false
    @Flag(help: "Print the report as one JSON object.") var json = false

    func run() throws {
        try execute {
            if dryRun {
                let store = try location.open(readOnly: true)
                let (plan, change) = try store.estimateWithSchema(adding: [])
                if json { return try printJSON(plan) }
                return printDryRun(plan, change: change, slices: store.config.slices, what: "all pending requests")
            }
            let policy = RetrainPolicy(
                shard: shard, ifPending: ifPending, maxWait: try maxWait.map(parseDuration), beforeDue: try beforeDue.map(parseDuration))
            let report = try location.open().retrain(policy)
            if json { return try printJSON(report) }
            switch report.status {
            case .completed:
                let shards = report.plan?.shards.map { "\($0.shard)@\($0.firstSlice)" }.joined(separator: " ") ?? ""
                let path = report.plan?.schemaRebuild == true ? " (schema refitted: rebuild of every shard)" : ""
                print(String(format: "published version %d in %.2f s%@: %d request(s) completed, shards@first-slice %@, %d superseded file(s) removed",
                             report.version ?? 0, report.seconds, path, report.completedRequests.count, shards, report.purgedFiles.count))
            default:
                print("\(report.status.rawValue): \(report.reason ?? "")")
            }
        }
    }
}

/// Prints a retrain's dry run: what changes in the schema (category names go to the operator's
/// terminal only, never into the store), then the work per shard and its cost.
func printDryRun(_ plan: RetrainPlan, change: SchemaChange?, slices: Int, what: String) {
    print("dry run: nothing written. The next retrain (\(what)) would:")
    if let change, change.changes {
        print("  change the schema, so rebuild: every shard from slice 0")
        for line in change.lines { print("    schema: \(line)") }
    } else if change != nil {
        print("  keep the schema (no category or class falls below the minimum count, no quantised statistic moves)")
    }
    for work in plan.shards {
        print("  shard \(work.shard): remove \(work.records) record(s), rewrite slices \(work.rewrittenSlices), retrain slices \(work.firstSlice)…\(slices - 1): \(work.samplePasses) sample-passes")
    }
    let ratio = Double(plan.monolithicSamplePasses) / Double(max(plan.samplePasses, 1))
    let comparison = plan.samplePasses == 0 ? "no training at all: the store is not trained yet"
        : ratio >= 1.05 ? String(format: "%.1f× less work", ratio)
        : ratio > 0.95 ? "about the same work" : String(format: "%.1f× more work", 1 / ratio)
    print("  total \(plan.samplePasses) sample-passes vs \(plan.monolithicSamplePasses) for a monolithic retrain (\(comparison))")
}

/// Parses `90s`, `30m`, `48h`, `2d` or plain seconds.
func parseDuration(_ text: String) throws -> TimeInterval {
    let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
    if let unit = text.last, let scale = units[unit], let value = Double(text.dropLast()), value >= 0 { return value * scale }
    if let value = Double(text), value >= 0 { return value }
    throw UnlearnError(.usage, "'\(text)' is not a duration", hint: "Use e.g. 90s, 30m, 48h or 2d.")
}
