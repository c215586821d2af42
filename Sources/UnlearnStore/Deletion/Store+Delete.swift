import Foundation
import UnlearnLedger
import UnlearnData

/// What a person asked to delete: one record id, or every record of one data subject.
public enum DeletionTarget: Sendable, Equatable {
    case record(String)
    case subject(String)
}

/// The receipt printed for an accepted (or repeated) deletion request.
public struct DeletionReceipt: Sendable, Codable {
    public var request: Int64
    /// False when an earlier request already covers the target (idempotent repeat).
    public var created: Bool
    public var status: RequestStatus
    public var receivedAt: Date
    public var dueAt: Date
    public var placements: [RecordPlacement]

    enum CodingKeys: String, CodingKey {
        case request, created, status, placements
        case receivedAt = "received_at"
        case dueAt = "due_at"
    }
}

/// A record's key prefix and where it lives; never its raw id.
public struct RecordPlacement: Sendable, Codable, Equatable {
    public var key: String
    public var shard: Int
    public var slice: Int
}

extension Store {
    /// Records deletion requests durably, all or nothing: every target is checked against the record
    /// index first, and one unknown target rejects the whole batch (so a bulk file is never half-applied).
    public func requestDeletion(
        _ targets: [DeletionTarget], requestedBy: String?, reason: String?, at now: Date = Date()
    ) throws -> [DeletionReceipt] {
        let submissions = try targets.enumerated().map { index, target in
            try submission(for: target, index: index, count: targets.count, requestedBy: requestedBy, reason: reason, at: now)
        }
        let results = try ledger.submitDeletions(submissions)
        logger.info("deletion requests recorded", metadata: ["requests": "\(results.count)", "new": "\(results.filter(\.created).count)"])
        return results.map(receipt)
    }

    func submission(
        for target: DeletionTarget, index: Int, count: Int, requestedBy: String?, reason: String?, at now: Date
    ) throws -> DeletionSubmission {
        let due = now.addingTimeInterval(Double(config.dueDays) * 86_400)
        let position = count > 1 ? " (entry \(index + 1) of \(count))" : ""
        switch target {
        case .record(let id):
            let key = keyer.record(id).hex
            guard try ledger.record(key: key) != nil else {
                throw UnlearnError(.data, "record id '\(id)'\(position) is not in the store '\(layout.root)'",
                                   hint: "Check the id (ids are case-sensitive; without an --id column they are row-<n>). Nothing was recorded.")
            }
            return DeletionSubmission(targetKind: .record, targetKey: key, receivedAt: now, dueAt: due, requestedBy: requestedBy, reason: reason)
        case .subject(let subject):
            let key = keyer.subject(subject).hex
            guard try !ledger.records(subjectKey: key).isEmpty else {
                throw UnlearnError(.data, "data subject '\(subject)'\(position) has no records in the store '\(layout.root)'",
                                   hint: "Check the subject id, and that the store was created with --subject. Nothing was recorded.")
            }
            return DeletionSubmission(targetKind: .subject, targetKey: key, receivedAt: now, dueAt: due, requestedBy: requestedBy, reason: reason)
        }
    }

    func receipt(_ result: SubmissionResult) -> DeletionReceipt {
        let r = result.request
        return DeletionReceipt(
            request: r.id, created: result.created, status: r.status, receivedAt: r.receivedAt, dueAt: r.dueAt,
            placements: r.records.map { RecordPlacement(key: String($0.key.prefix(12)), shard: $0.shard, slice: $0.slice) })
    }
}

extension Store {
    /// The record index entry of a record id (shard, slice, state), or nil if it was never imported.
    public func record(id: String) throws -> RecordEntry? {
        try ledger.record(key: keyer.record(id).hex)
    }

    /// The key a record id maps to in this store (for tests and tooling that inspect files).
    public func key(ofRecord id: String) -> RecordKey { keyer.record(id) }
}
