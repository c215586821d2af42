import Foundation
import GRDB

extension Ledger {
    /// Pending requests with their records, oldest first.
    public func pendingRequests() throws -> [DeletionRequest] {
        try read { db in
            try Self.withRecords(db, db.rows(
                "SELECT * FROM deletion_request WHERE status = 'pending' ORDER BY received_at, id"))
        }
    }

    /// One request with its records, or nil.
    public func request(id: Int64) throws -> DeletionRequest? {
        try read { db in try Self.fetchRequest(db, id: id) }
    }

    /// How many requests are pending, and the earliest due date among them.
    public func pendingSummary() throws -> (count: Int, earliestDue: Date?) {
        try read { db in
            let row = try db.row("SELECT COUNT(*), MIN(due_at) FROM deletion_request WHERE status = 'pending'")
            return (row?[0] ?? 0, (row?[1] as Double?).map(Date.init(unix:)))
        }
    }

    /// Refuses a pending request: its records go back to `live` unless another pending
    /// request still covers them. Appends `request.rejected`.
    /// - Throws: `LedgerError.unknownRequest`, `LedgerError.requestNotPending`.
    @discardableResult
    public func rejectRequest(id: Int64, reason: String?, at: Date) throws -> DeletionRequest {
        try write { db in
            guard let request = try Self.fetchRequest(db, id: id) else {
                throw LedgerError.unknownRequest(id: id)
            }
            guard request.status == .pending else {
                throw LedgerError.requestNotPending(id: id, status: request.status)
            }
            try db.run("""
                UPDATE deletion_request SET status = 'rejected', completed_at = ?, reason = COALESCE(?, reason)
                WHERE id = ?
                """, [at.unix, reason, id])
            let released = try Self.releasedRecords(db, of: id)
            var chain = try AuditChain.head(db)
            try chain.append(
                db, kind: .requestRejected, requestID: id,
                recordKey: request.targetKind == .record ? request.targetKey : nil,
                shard: request.singleShard,
                payload: Payload.rejected(reason: reason, released: released), at: at)
            try Self.enqueue(status: "cancelled", requests: [id], at: at, db)
            return try Self.fetchRequest(db, id: id)!
        }
    }

    /// Requests matching every set filter of `filter`, by received_at then id.
    ///
    /// Record, subject and shard filters go through the `request_record` indexes, so a
    /// lookup by record stays an index search however many requests the ledger holds.
    public func queryRequests(_ filter: RequestFilter) throws -> [DeletionRequest] {
        var (conditions, arguments) = Self.conditions(filter)
        var sql = "SELECT d.* FROM deletion_request d"
        if !conditions.isEmpty {
            sql += " WHERE " + conditions.joined(separator: " AND ")
        }
        sql += " ORDER BY d.received_at, d.id"
        if let limit = filter.limit {
            sql += " LIMIT ?"
            arguments += [max(0, limit)]
        }
        // The filter combinations are few and the limit is bound, so the SQL is worth caching.
        return try read { db in try Self.withRecords(db, db.rows(sql, arguments)) }
    }

    /// The WHERE conditions (ANDed) and their arguments for every set filter of `filter`.
    static func conditions(_ filter: RequestFilter) -> ([String], StatementArguments) {
        var conditions: [String] = []
        var arguments = StatementArguments()
        if let key = filter.recordKey {
            conditions.append("d.id IN (SELECT request_id FROM request_record WHERE record_key = ?)")
            arguments += [key]
        }
        if let subject = filter.subjectKey {
            conditions.append("""
                ((d.target_kind = 'subject' AND d.target_key = ?)
                 OR d.id IN (SELECT rr.request_id FROM record r JOIN request_record rr ON rr.record_key = r.key
                             WHERE r.subject_key = ?))
                """)
            arguments += [subject, subject]
        }
        if let id = filter.requestID {
            conditions.append("d.id = ?")
            arguments += [id]
        }
        if let since = filter.since {
            conditions.append("d.received_at >= ?")
            arguments += [since.unix]
        }
        if let until = filter.until {
            conditions.append("d.received_at < ?")
            arguments += [until.unix]
        }
        if let shard = filter.shard {
            conditions.append("d.id IN (SELECT request_id FROM request_record WHERE shard = ?)")
            arguments += [shard]
        }
        if let status = filter.status {
            conditions.append("d.status = ?")
            arguments += [status.rawValue]
        }
        if let overdue = filter.overdueAt {
            conditions.append("d.status = 'pending' AND d.due_at < ?")
            arguments += [overdue.unix]
        }
        return (conditions, arguments)
    }

    /// How many of a request's records it released when it left `pending` (rejection and
    /// cancellation): those now live, with no other pending request covering them. Nothing is
    /// written: a record's pending state is read from its requests (`recordStateSQL`).
    static func releasedRecords(_ db: Database, of requestID: Int64) throws -> Int {
        try db.value(Int.self, """
            SELECT COUNT(*) FROM record r
            WHERE r.key IN (SELECT record_key FROM request_record WHERE request_id = ?)
              AND (\(recordStateSQL)) = 'live'
            """, [requestID]) ?? 0
    }

    /// One request with its records, through cached statements (intake and publish call it often).
    static func fetchRequest(_ db: Database, id: Int64) throws -> DeletionRequest? {
        guard let row = try db.row("SELECT * FROM deletion_request WHERE id = ?", [id]) else { return nil }
        var request = try DeletionRequest(row: row)
        request.records = try db.rows("""
            SELECT rr.request_id, rr.record_key, r.subject_key, rr.shard, rr.slice, \(recordStateSQL), r.deleted_version
            FROM request_record rr JOIN record r ON r.key = rr.record_key
            WHERE rr.request_id = ?
            ORDER BY rr.shard, rr.slice, rr.record_key
            """, [id]).map(coveredRecord)
        return request
    }

    /// Decodes `deletion_request` rows and attaches each request's records.
    static func withRecords(_ db: Database, _ rows: [Row]) throws -> [DeletionRequest] {
        var requests = try rows.map(DeletionRequest.init(row:))
        guard !requests.isEmpty else { return requests }
        var index: [Int64: Int] = [:]
        for (position, request) in requests.enumerated() { index[request.id] = position }
        // Chunks stay well under SQLite's bound-parameter limit.
        for chunk in stride(from: 0, to: requests.count, by: 500) {
            let ids = requests[chunk..<min(chunk + 500, requests.count)].map(\.id)
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
            let rows = try Row.fetchAll(db, sql: """
                SELECT rr.request_id, rr.record_key, r.subject_key, rr.shard, rr.slice, \(recordStateSQL), r.deleted_version
                FROM request_record rr JOIN record r ON r.key = rr.record_key
                WHERE rr.request_id IN (\(marks))
                ORDER BY rr.request_id, rr.shard, rr.slice, rr.record_key
                """, arguments: StatementArguments(ids))
            for row in rows {
                requests[index[row[0] as Int64]!].records.append(try coveredRecord(row))
            }
        }
        return requests
    }

    /// A record from a (request_id, record_key, subject_key, shard, slice, state, deleted_version) row.
    private static func coveredRecord(_ row: Row) throws -> RecordEntry {
        RecordEntry(
            key: row[1], subjectKey: row[2], shard: row[3], slice: row[4],
            state: try RecordState.decode(row[5]), deletedVersion: row[6])
    }
}
