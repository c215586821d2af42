import Foundation
import GRDB

/// One caller's submission at intake: its targets (all or nothing) and its own request id.
public struct IntakeGroup: Sendable {
    public var submissions: [DeletionSubmission]
    /// The caller's request id (`external_id` or `Idempotency-Key`): a repeat answers with the
    /// requests the first call created.
    public var externalID: String?
    /// Where the caller wants to hear back (fides reply-to, status URLs); stored with each new
    /// request, whose "pending" callbacks are queued in the same transaction.
    public var callbacks: RequestCallbacks?

    public init(submissions: [DeletionSubmission], externalID: String?, callbacks: RequestCallbacks? = nil) {
        self.submissions = submissions
        self.externalID = externalID
        self.callbacks = callbacks
    }
}

/// What became of one group of a group commit.
public enum IntakeOutcome: Sendable {
    /// Its requests in entry order; `repeated` when the external id was seen before.
    case recorded([SubmissionResult], repeated: Bool)
    /// Nothing of the group was written: entry `position` (0-based) failed.
    case failed(position: Int, error: LedgerError)
}

extension Ledger {
    /// Records several independent groups in one durable transaction: one commit, one fsync.
    ///
    /// Each group stays all-or-nothing on its own (a savepoint each): a group whose entry fails
    /// is rolled back alone and reported as `.failed`, and the others still commit. When this
    /// returns, every `.recorded` group is on disk.
    /// - Throws: only when the transaction itself fails; then nothing was written.
    public func submitGroups(_ groups: [IntakeGroup]) throws -> [IntakeOutcome] {
        guard !groups.isEmpty else { return [] }
        return try write { db in
            // The chain head is read once; a group that rolls back leaves it where it was.
            var chain = try AuditChain.head(db)
            var outcomes: [IntakeOutcome] = []
            outcomes.reserveCapacity(groups.count)
            for group in groups {
                if let external = group.externalID, let previous = try Self.requests(externalID: external, db) {
                    outcomes.append(.recorded(previous.map { SubmissionResult(request: $0, created: false) }, repeated: true))
                    continue
                }
                var position = 0
                do {
                    var results: [SubmissionResult] = []
                    var local = chain
                    try db.inSavepoint {
                        for (index, submission) in group.submissions.enumerated() {
                            position = index
                            switch submission.targetKind {
                            case .record: results.append(try Self.submitRecord(submission, db, &local))
                            case .subject: results.append(try Self.submitSubject(submission, db, &local))
                            }
                        }
                        if let external = group.externalID {
                            let link = try db.cachedStatement(
                                sql: "INSERT INTO request_external (external_id, position, request_id) VALUES (?, ?, ?)")
                            for (index, result) in results.enumerated() {
                                try link.execute(arguments: [external, index, result.request.id])
                            }
                        }
                        if let callbacks = group.callbacks, !callbacks.isEmpty {
                            let created = results.filter(\.created).map(\.request.id)
                            for id in created { try Self.saveCallbacks(callbacks, requestID: id, db) }
                            try Self.enqueue(status: "pending", requests: created, at: group.submissions.first?.receivedAt ?? Date(), db)
                        }
                        return .commit
                    }
                    chain = local
                    outcomes.append(.recorded(results, repeated: false))
                } catch let error as LedgerError {
                    outcomes.append(.failed(position: position, error: error))
                }
            }
            return outcomes
        }
    }

    /// The requests an earlier call with this external id created, in entry order; nil if none.
    public func requests(externalID: String) throws -> [DeletionRequest]? {
        try read { db in try Self.requests(externalID: externalID, db) }
    }

    static func requests(externalID: String, _ db: Database) throws -> [DeletionRequest]? {
        let ids = try db.rows("SELECT request_id FROM request_external WHERE external_id = ? ORDER BY position", [externalID])
            .map { $0[0] as Int64 }
        guard !ids.isEmpty else { return nil }
        return try ids.compactMap { try fetchRequest(db, id: $0) }
    }
}
