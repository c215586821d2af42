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
    @Flag(help: "Print the report as one JSON object.") var json = false

    func run() throws {
        try execute {
            let policy = RetrainPolicy(
                shard: shard, ifPending: ifPending, maxWait: try maxWait.map(parseDuration), beforeDue: try beforeDue.map(parseDuration))
            let report = try location.open().retrain(policy)
            if json { return try printJSON(report) }
            switch report.status {
            case .completed:
                let shards = report.plan?.shards.map { "\($0.shard)@\($0.firstSlice)" }.joined(separator: " ") ?? ""
                print(String(format: "published version %d in %.2f s: %d request(s) completed, shards@first-slice %@, %d superseded file(s) removed",
                             report.version ?? 0, report.seconds, report.completedRequests.count, shards, report.purgedFiles.count))
            default:
                print("\(report.status.rawValue): \(report.reason ?? "")")
            }
        }
    }
}

/// Parses `90s`, `30m`, `48h`, `2d` or plain seconds.
func parseDuration(_ text: String) throws -> TimeInterval {
    let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
    if let unit = text.last, let scale = units[unit], let value = Double(text.dropLast()), value >= 0 { return value * scale }
    if let value = Double(text), value >= 0 { return value }
    throw UnlearnError(.usage, "'\(text)' is not a duration", hint: "Use e.g. 90s, 30m, 48h or 2d.")
}
