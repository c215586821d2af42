import Foundation
import GRDB

extension Ledger {
    /// Records one deletion request durably, or returns the request that already covers it.
    ///
    /// In one transaction: the request, its `request_record` rows (which make its records
    /// `pending`), and a `request.received` audit event. When it returns, the request is on disk.
    /// - Throws: `LedgerError.unknownRecord` or `LedgerError.unknownSubject`.
    public func submitDeletion(_ submission: DeletionSubmission) throws -> SubmissionResult {
        try submitDeletions([submission])[0]
    }

    /// Records several deletion requests in one durable transaction (all or none).
    ///
    /// A later submission in the batch sees the earlier ones, so a repeat inside the batch
    /// comes back with `created == false`.
    /// - Throws: The first submission's error; then nothing of the batch is written.
    public func submitDeletions(_ submissions: [DeletionSubmission]) throws -> [SubmissionResult] {
        guard !submissions.isEmpty else { return [] }
        return try write { db in
            var chain = try AuditChain.head(db)
            var results: [SubmissionResult] = []
            results.reserveCapacity(submissions.count)
            for submission in submissions {
                switch submission.targetKind {
                case .record: results.append(try Self.submitRecord(submission, db, &chain))
                case .subject: results.append(try Self.submitSubject(submission, db, &chain))
                }
            }
            return results
        }
    }

    /// A record target: its existing non-rejected request (any status), or a new one.
    /// Like `submitSubject`, it throws its ledger errors before writing anything (group intake
    /// relies on this to skip a savepoint); after that only SQLite can fail.
    static func submitRecord(
        _ submission: DeletionSubmission, _ db: Database, _ chain: inout AuditChain
    ) throws -> SubmissionResult {
        guard let record = try fetchRecord(db, key: submission.targetKey) else {
            throw LedgerError.unknownRecord(key: submission.targetKey)
        }
        // A live record has no pending or completed request: a record reads pending while a
        // pending request covers it, and publish marks it deleted (`LiveRecordInvariantTests`).
        // So a new id, the common case, needs no lookup beyond the state's own.
        if record.state != .live {
            let covering = try db.firstRow(direct: """
                SELECT d.id FROM request_record rr JOIN deletion_request d ON d.id = rr.request_id
                WHERE rr.record_key = ? AND d.status <> 'rejected'
                ORDER BY d.id DESC LIMIT 1
                """, [.text(record.key)]) { $0.int64(0) }
            if let covering, let existing = try fetchRequest(db, id: covering) {
                return SubmissionResult(request: existing, created: false)
            }
        }
        return SubmissionResult(request: try create(submission, covering: [record], db, &chain), created: true)
    }

    /// A subject target: covers its live/pending records that no request covers yet.
    static func submitSubject(
        _ submission: DeletionSubmission, _ db: Database, _ chain: inout AuditChain
    ) throws -> SubmissionResult {
        let records = try fetchRecords(db, subjectKey: submission.targetKey)
        guard !records.isEmpty else { throw LedgerError.unknownSubject(key: submission.targetKey) }
        // record key -> newest non-rejected request covering it
        var coveredBy: [String: Int64] = [:]
        for row in try db.rows("""
            SELECT rr.record_key, MAX(d.id)
            FROM record r
            JOIN request_record rr ON rr.record_key = r.key
            JOIN deletion_request d ON d.id = rr.request_id
            WHERE r.subject_key = ? AND d.status <> 'rejected'
            GROUP BY rr.record_key
            """, [submission.targetKey])
        {
            coveredBy[row[0]] = row[1]
        }
        let uncovered = records.filter { $0.state != .deleted && coveredBy[$0.key] == nil }
        if uncovered.isEmpty {
            guard let newest = coveredBy.values.max(), let existing = try fetchRequest(db, id: newest) else {
                // Only deleted records and no request covering them: nothing to tie the
                // submission to. Cannot happen through this API.
                throw LedgerError.unknownSubject(key: submission.targetKey)
            }
            return SubmissionResult(request: existing, created: false)
        }
        return SubmissionResult(request: try create(submission, covering: uncovered, db, &chain), created: true)
    }

    /// Writes a new pending request covering `records` (so they read as pending), appends the event.
    private static func create(
        _ submission: DeletionSubmission, covering records: [RecordEntry], _ db: Database,
        _ chain: inout AuditChain
    ) throws -> DeletionRequest {
        try db.execute(direct: """
            INSERT INTO deletion_request (target_kind, target_key, received_at, due_at, requested_by, reason, status)
            VALUES (?, ?, ?, ?, ?, ?, 'pending')
            """, [
                .text(submission.targetKind.rawValue), .text(submission.targetKey), .real(submission.receivedAt.unix),
                .real(submission.dueAt.unix), .text(submission.requestedBy), .text(submission.reason),
            ])
        let id = db.lastInsertedRowID
        var covered: [RecordEntry] = []
        for var record in records {
            try db.execute(direct: "INSERT INTO request_record (request_id, record_key, shard, slice) VALUES (?, ?, ?, ?)",
                           [.integer(id), .text(record.key), .int(record.shard), .int(record.slice)])
            record.state = .pending  // read from this request from now on; nothing to write
            covered.append(record)
        }
        let request = DeletionRequest(
            id: id, targetKind: submission.targetKind, targetKey: submission.targetKey,
            receivedAt: submission.receivedAt, dueAt: submission.dueAt,
            requestedBy: submission.requestedBy, reason: submission.reason, status: .pending,
            records: covered)
        try chain.append(
            db, kind: .requestReceived, requestID: id,
            recordKey: submission.targetKind == .record ? submission.targetKey : nil,
            shard: request.singleShard, payload: Payload.received(request), at: submission.receivedAt)
        return request
    }
}

extension DeletionRequest {
    /// The one shard all its records are in, or nil when they span several (or none).
    var singleShard: Int? {
        let shards = self.shards
        return shards.count == 1 ? shards[0] : nil
    }
}
