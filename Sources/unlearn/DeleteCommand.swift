import ArgumentParser
import Foundation
import UnlearnStore

struct DeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Record a durable deletion request (the retrainer unlearns it later).",
        discussion: "Give one of --id, --subject or --ids-from. A repeat request for the same record is idempotent: it points to the existing request.")

    @OptionGroup var location: StoreOptions
    @Option(help: "Record id to delete.") var id: String?
    @Option(help: "Data subject whose records are all deleted.") var subject: String?
    @Option(help: "File with one record id per line (blank lines and # comments skipped); all or nothing.") var idsFrom: String?
    @Option(help: "Why (free text, kept in the ledger).") var reason: String?
    @Option(help: "Who asked (kept in the ledger).") var requestedBy: String?
    @Flag(help: "Print what the next retrain would cost with this request; write nothing.") var dryRun = false
    @Flag(help: "One JSON object per request.") var json = false
    @Flag(help: "With --ids-from or --subject: print every request, not only the summary.") var verbose = false

    func validate() throws {
        guard [id != nil, subject != nil, idsFrom != nil].filter({ $0 }).count == 1 else {
            throw ValidationError("Give exactly one of --id, --subject or --ids-from.")
        }
    }

    func run() throws {
        try execute {
            let store = try location.open()
            let targets = try readTargets()
            if dryRun {
                let (plan, change) = try store.estimateWithSchema(adding: targets)
                if json { return try printJSON(plan) }
                printDryRun(plan, change: change, slices: store.config.slices, what: "all pending requests plus this one")
                return
            }
            let receipts = try store.requestDeletion(targets, requestedBy: requestedBy, reason: reason)
            let iso = ISO8601DateFormatter()
            for receipt in receipts where json || verbose || receipts.count == 1 {
                if json { try printJSON(receipt); continue }
                let places = receipt.placements.map { "shard \($0.shard) slice \($0.slice)" }.joined(separator: ", ")
                print("\(receipt.created ? "request" : "already requested:") \(receipt.request)  status \(receipt.status.rawValue)  received \(iso.string(from: receipt.receivedAt))  due \(iso.string(from: receipt.dueAt))")
                print("  \(receipt.placements.count) record(s): \(places)")
            }
            if !json && receipts.count > 1 {
                let created = receipts.filter(\.created).count
                let records = receipts.reduce(0) { $0 + $1.placements.count }
                let shards = Set(receipts.flatMap { $0.placements.map(\.shard) }).count
                let due = receipts.map(\.dueAt).min().map { ", earliest due \(iso.string(from: $0))" } ?? ""
                print("\(receipts.count) requests: \(created) new, \(receipts.count - created) already requested; \(records) record(s) in \(shards) shard(s)\(due)" + (verbose ? "" : " (--verbose lists each)"))
            }
            if !json && receipts.contains(where: { $0.status == .pending }) {
                print("next: 'unlearn retrain --store \(location.store)' (or the scheduled job) removes it from the data and the models")
            }
        }
    }

    func readTargets() throws -> [DeletionTarget] {
        if let id { return [.record(id)] }
        if let subject { return [.subject(subject)] }
        let path = idsFrom!
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw UnlearnError(.noInput, "cannot read '\(path)'", hint: "Give a UTF-8 text file with one id per line.")
        }
        let ids = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard !ids.isEmpty else { throw UnlearnError(.data, "'\(path)' holds no ids") }
        return ids.map(DeletionTarget.record)
    }
}
