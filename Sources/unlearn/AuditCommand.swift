import ArgumentParser
import Foundation
import UnlearnLedger
import UnlearnStore

extension RequestStatus: ExpressibleByArgument {}

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Query the deletion ledger, or verify its hash chain.",
        subcommands: [AuditQueryCommand.self, AuditVerifyCommand.self, AuditHeadCommand.self], defaultSubcommand: AuditQueryCommand.self)
}

struct AuditQueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "query", abstract: "Show requests with their whole timeline.")

    enum Format: String, ExpressibleByArgument { case table, json }

    @OptionGroup var location: StoreOptions
    @Option(help: "Requests covering this record id.") var id: String?
    @Option(help: "Requests for this data subject.") var subject: String?
    @Option(help: "One request by number.") var request: Int64?
    @Option(help: "Received at or after (ISO 8601 date or time).") var since: String?
    @Option(help: "Received before (ISO 8601 date or time).") var until: String?
    @Option(help: "Requests touching this shard.") var shard: Int?
    @Option(help: "pending, completed or rejected.") var status: RequestStatus?
    @Flag(help: "Only pending requests past their due date.") var overdue = false
    @Option(help: "At most this many requests.") var limit: Int?
    @Option(help: "table or json (one object per line).") var format: Format = .table

    func run() throws {
        try execute {
            var query = AuditQuery()
            query.id = id
            query.subject = subject
            query.request = request
            query.since = try since.map(parseDate)
            query.until = try until.map(parseDate)
            query.shard = shard
            query.status = status
            query.overdue = overdue
            query.limit = limit
            let timelines = try location.open(readOnly: true).audit(query)
            if format == .json { return try timelines.forEach(printJSON) }
            if timelines.isEmpty { print("no matching requests") }
            let iso = ISO8601DateFormatter()
            for t in timelines {
                print("request \(t.request)  \(t.target) \(t.key)…  \(t.status.rawValue)\(t.overdue ? " OVERDUE" : "")  by \(t.requestedBy ?? "-")  reason \(t.reason ?? "-")")
                print("  received   \(iso.string(from: t.receivedAt))   due \(iso.string(from: t.dueAt))")
                print("  records    " + t.records.map { "\($0.key)… shard \($0.shard) slice \($0.slice)" }.joined(separator: "; "))
                if let job = t.job {
                    let path = job.schemaRebuild == true ? "schema rebuild (the deletion changed the schema): " : ""
                    let work = path + job.retrained.map { "shard \($0.shard) from slice \($0.firstSlice) (\($0.samplePasses) sample-passes)" }.joined(separator: ", ")
                    print("  job        #\(job.id) \(job.status.rawValue) \(iso.string(from: job.startedAt))" + (job.seconds.map { String(format: ", %.2f s", $0) } ?? "") + ": " + work)
                }
                if let version = t.version, let completed = t.completedAt {
                    print("  published  version \(version) at \(iso.string(from: completed)); \(t.replacedFiles) file(s) replaced, " + (t.purged == true ? "old files purged" : "old files NOT yet purged"))
                }
                print("  verified   " + (t.verified.map { iso.string(from: $0) } ?? "not yet (run 'unlearn verify --id …')"))
                print("  events     " + t.events.map { "#\($0.seq) \($0.kind)" }.joined(separator: ", "))
            }
        }
    }
}

struct AuditVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "Re-check the audit log's hash chain; report the first broken link.")

    @OptionGroup var location: StoreOptions
    @Option(help: "Also check that the chain still holds this head (SEQ:HASH, from 'audit head' or a receipt).") var head: String?

    func run() throws {
        try execute {
            let store = try location.open(readOnly: true)
            let anchor = try head.map(parseHead)
            let (report, containsHead) = try anchor.map { try store.verifyAuditChain(containing: $0) } ?? (store.verifyAuditChain(), true)
            if let broken = report.firstBrokenSeq {
                fail("audit chain broken at event \(broken): \(report.reason ?? "hash mismatch"). The ledger was edited outside unlearn; restore it from a backup and investigate.", code: UnlearnError.Category.corrupt.rawValue)
            }
            if let anchor, !containsHead {
                fail("audit chain does not hold the head \(anchor.seq):\(anchor.hash.prefix(12))…: its events from \(anchor.seq) on were rewritten after that head was taken. Restore the ledger from a backup and investigate.", code: UnlearnError.Category.corrupt.rawValue)
            }
            print("audit chain intact: \(report.eventsChecked) events verified" + (anchor.map { ", head \($0.seq) present" } ?? ""))
        }
    }

    func parseHead(_ text: String) throws -> (seq: Int64, hash: String) {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let seq = Int64(parts[0]), parts[1].count == 64, parts[1].allSatisfy(\.isHexDigit) else {
            throw UnlearnError(.usage, "--head must be SEQ:HASH (a number, a colon and 64 hex digits)", hint: "Take it from 'unlearn audit head' or a receipt's audit_head.")
        }
        return (seq, String(parts[1]))
    }
}

struct AuditHeadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "head", abstract: "Print the audit chain's newest event as SEQ:HASH, an anchor to keep outside the store.")

    @OptionGroup var location: StoreOptions

    func run() throws {
        try execute {
            guard let head = try location.open(readOnly: true).auditHead() else { throw UnlearnError(.data, "the audit chain is empty") }
            print("audit head \(head.seq):\(head.hash)")
        }
    }
}

func parseDate(_ text: String) throws -> Date {
    let full = ISO8601DateFormatter()
    if let date = full.date(from: text) { return date }
    let day = ISO8601DateFormatter()
    day.formatOptions = [.withFullDate]
    if let date = day.date(from: text) { return date }
    throw UnlearnError(.usage, "'\(text)' is not an ISO 8601 date", hint: "Use 2026-11-21 or 2026-11-21T10:00:00Z.")
}
