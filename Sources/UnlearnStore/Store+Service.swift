import Foundation
import UnlearnLedger
import UnlearnData

/// An intake entry that names nothing in the store; carries its position, never the id.
public struct UnknownTargetError: Error, Sendable, CustomStringConvertible {
    /// 0-based position of the entry in the caller's list.
    public var position: Int
    public var kind: TargetKind

    public var description: String {
        kind == .record ? "record_ids[\(position)] is not a record of this store"
                        : "the subject has no records in this store"
    }
}

extension Store {
    /// Checks each target against the record index and builds its submission, without writing.
    ///
    /// For the service's group commit: validation runs before the group's transaction, so the
    /// transaction only writes. The error names the entry's position, not its id.
    /// - Throws: ``UnknownTargetError`` for the first target the store does not hold.
    public func validatedSubmissions(
        _ targets: [DeletionTarget], requestedBy: String?, reason: String?, at now: Date
    ) throws -> [DeletionSubmission] {
        let due = now.addingTimeInterval(Double(config.dueDays) * 86_400)
        return try targets.enumerated().map { position, target in
            switch target {
            case .record(let id):
                let key = keyer.record(id).hex
                guard try ledger.record(key: key) != nil else { throw UnknownTargetError(position: position, kind: .record) }
                return DeletionSubmission(targetKind: .record, targetKey: key, receivedAt: now, dueAt: due, requestedBy: requestedBy, reason: reason)
            case .subject(let subject):
                let key = keyer.subject(subject).hex
                guard try !ledger.records(subjectKey: key).isEmpty else { throw UnknownTargetError(position: position, kind: .subject) }
                return DeletionSubmission(targetKind: .subject, targetKey: key, receivedAt: now, dueAt: due, requestedBy: requestedBy, reason: reason)
            }
        }
    }

    /// The submissions for `targets`, without reading the ledger: the group commit checks each
    /// target inside its transaction (an unknown one rolls back that caller's group alone).
    public func submissions(
        _ targets: [DeletionTarget], requestedBy: String?, reason: String?, at now: Date
    ) -> [DeletionSubmission] {
        let due = now.addingTimeInterval(Double(config.dueDays) * 86_400)
        return targets.map { target in
            switch target {
            case .record(let id):
                DeletionSubmission(targetKind: .record, targetKey: keyer.record(id).hex, receivedAt: now, dueAt: due, requestedBy: requestedBy, reason: reason)
            case .subject(let subject):
                DeletionSubmission(targetKind: .subject, targetKey: keyer.subject(subject).hex, receivedAt: now, dueAt: due, requestedBy: requestedBy, reason: reason)
            }
        }
    }

    /// The keyed hash of a subject id (for filters; the raw id is never stored).
    public func key(ofSubject subject: String) -> String { keyer.subject(subject).hex }

    /// The request's timeline, as `unlearn audit --request` shows it; nil if there is no such request.
    public func timeline(request id: Int64, now: Date = Date()) throws -> RequestTimeline? {
        guard let request = try ledger.request(id: id) else { return nil }
        return try timeline(request, now: now)
    }

    /// The timeline of an already fetched request.
    public func timeline(of request: DeletionRequest, now: Date = Date()) throws -> RequestTimeline {
        try timeline(request, now: now)
    }

    /// The feature schema rows are encoded with.
    public var schema: FeatureSchema { config.schema }

    /// How many days a request has before it is due.
    public var dueDays: Int { config.dueDays }
}
