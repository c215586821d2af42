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
    /// Each group stays all-or-nothing on its own: a group with an unknown target is reported as
    /// `.failed` and writes nothing, and the others still commit. When this returns, every
    /// `.recorded` group is on disk.
    ///
    /// Groups are checked before anything is written, so the writes need no savepoint (a
    /// savepoint copies every page it first touches into a statement journal, which cost the
    /// service's writer as much as the writes themselves). Should a write still fail with a
    /// ledger error, the transaction is rolled back and redone with a savepoint per group.
    /// - Throws: only when the transaction itself fails; then nothing was written.
    public func submitGroups(_ groups: [IntakeGroup]) throws -> [IntakeOutcome] {
        guard !groups.isEmpty else { return [] }
        do {
            return try write { db in try Self.submitGroups(groups, db, isolated: false) }
        } catch is UncheckedGroupFailure {
            return try write { db in try Self.submitGroups(groups, db, isolated: true) }
        }
    }

    /// A ledger error in a write that the checks should have prevented: redo with savepoints.
    private struct UncheckedGroupFailure: Error {}

    /// `isolated`: a savepoint per group (the fallback); otherwise checks first and no savepoint.
    static func submitGroups(_ groups: [IntakeGroup], _ db: Database, isolated: Bool) throws -> [IntakeOutcome] {
        // The chain head is read once; a group that rolls back leaves it where it was.
        var chain = try AuditChain.head(db)
        var outcomes: [IntakeOutcome] = []
        outcomes.reserveCapacity(groups.count)
        for group in groups {
            if let external = group.externalID, let previous = try requests(externalID: external, db) {
                outcomes.append(.recorded(previous.map { SubmissionResult(request: $0, created: false) }, repeated: true))
                continue
            }
            // A single target needs no separate check: `submitRecord` and `submitSubject` throw
            // their ledger errors before they write anything.
            if group.submissions.count > 1, let failure = try firstUnknownTarget(group.submissions, db) {
                outcomes.append(failure)
                continue
            }
            var local = chain, position = 0
            do {
                var results: [SubmissionResult] = []
                if isolated {
                    try db.inSavepoint {
                        results = try record(group, db, &local, position: &position)
                        return .commit
                    }
                } else {
                    results = try record(group, db, &local, position: &position)
                }
                chain = local
                outcomes.append(.recorded(results, repeated: false))
            } catch let error as LedgerError where isolated || group.submissions.count == 1 {
                // Rolled back by the savepoint, or thrown before the single target wrote anything.
                outcomes.append(.failed(position: position, error: error))
            } catch is LedgerError {
                throw UncheckedGroupFailure()
            }
        }
        return outcomes
    }

    /// The failure of the group's first target that names no record or subject of the store.
    private static func firstUnknownTarget(_ submissions: [DeletionSubmission], _ db: Database) throws -> IntakeOutcome? {
        for (position, submission) in submissions.enumerated() {
            switch submission.targetKind {
            case .record:
                if try db.firstRow(direct: "SELECT 1 FROM record WHERE key = ?", [.text(submission.targetKey)], { _ in true }) == nil {
                    return .failed(position: position, error: .unknownRecord(key: submission.targetKey))
                }
            case .subject:
                if try db.firstRow(direct: "SELECT 1 FROM record WHERE subject_key = ? LIMIT 1", [.text(submission.targetKey)], { _ in true }) == nil {
                    return .failed(position: position, error: .unknownSubject(key: submission.targetKey))
                }
            }
        }
        return nil
    }

    /// Writes one group's requests, its external-id links and its callbacks.
    private static func record(
        _ group: IntakeGroup, _ db: Database, _ chain: inout AuditChain, position: inout Int
    ) throws -> [SubmissionResult] {
        var results: [SubmissionResult] = []
        for (index, submission) in group.submissions.enumerated() {
            position = index
            switch submission.targetKind {
            case .record: results.append(try submitRecord(submission, db, &chain))
            case .subject: results.append(try submitSubject(submission, db, &chain))
            }
        }
        if let external = group.externalID {
            for (index, result) in results.enumerated() {
                try db.execute(direct: "INSERT INTO request_external (external_id, position, request_id) VALUES (?, ?, ?)",
                               [.text(external), .int(index), .integer(result.request.id)])
            }
        }
        if let callbacks = group.callbacks, !callbacks.isEmpty {
            let created = results.filter(\.created).map(\.request.id)
            for id in created { try saveCallbacks(callbacks, requestID: id, db) }
            try enqueue(status: "pending", requests: created, at: group.submissions.first?.receivedAt ?? Date(), db)
        }
        return results
    }

    /// The requests an earlier call with this external id created, in entry order; nil if none.
    public func requests(externalID: String) throws -> [DeletionRequest]? {
        try read { db in try Self.requests(externalID: externalID, db) }
    }

    static func requests(externalID: String, _ db: Database) throws -> [DeletionRequest]? {
        let ids = try db.allRows(direct: "SELECT request_id FROM request_external WHERE external_id = ? ORDER BY position",
                                 [.text(externalID)]) { $0.int64(0) }
        guard !ids.isEmpty else { return nil }
        return try ids.compactMap { try fetchRequest(db, id: $0) }
    }
}
