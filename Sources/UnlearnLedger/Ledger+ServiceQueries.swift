import Foundation
import GRDB

/// A page of requests for `GET /v1/deletions`, by ascending id after a cursor.
public struct RequestPageQuery: Sendable {
    public var status: RequestStatus?
    public var since: Date?
    public var until: Date?
    public var overdueAt: Date?
    public var subjectKey: String?
    /// Only requests with an id greater than this (the cursor).
    public var after: Int64?
    public var limit: Int
    /// With `status`: also the requests completed in this model version or a later one (the
    /// service still calls them in progress until the versions before are purged).
    public var completedFromVersion: Int?

    public init(status: RequestStatus? = nil, since: Date? = nil, until: Date? = nil, overdueAt: Date? = nil,
                subjectKey: String? = nil, after: Int64? = nil, limit: Int = 100) {
        self.status = status
        self.since = since
        self.until = until
        self.overdueAt = overdueAt
        self.subjectKey = subjectKey
        self.after = after
        self.limit = limit
    }
}

/// What the service adds to a request: the caller's id and whether the API cancelled it.
public struct RequestServiceInfo: Sendable, Hashable {
    public var externalID: String?
    public var cancelledAt: Date?
}

extension Ledger {
    /// Requests matching every set filter, by ascending id, at most `limit`.
    public func requestPage(_ query: RequestPageQuery) throws -> [DeletionRequest] {
        var filter = RequestFilter(
            subjectKey: query.subjectKey, since: query.since, until: query.until, status: query.status, overdueAt: query.overdueAt)
        if query.status != nil, query.completedFromVersion != nil { filter.status = nil }
        var (conditions, arguments) = Self.conditions(filter)
        if let status = query.status, let version = query.completedFromVersion {
            conditions.append("(d.status = ? OR (d.status = 'completed' AND d.model_version >= ?))")
            arguments += [status.rawValue, version]
        }
        if let after = query.after {
            conditions.append("d.id > ?")
            arguments += [after]
        }
        var sql = "SELECT d.* FROM deletion_request d"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY d.id LIMIT ?"
        arguments += [max(0, query.limit)]
        return try read { db in try Self.withRecords(db, db.rows(sql, arguments)) }
    }

    /// The external id and API cancellation of a request.
    public func serviceInfo(requestID: Int64) throws -> RequestServiceInfo {
        try read { db in
            let external: String? = try db.value(String.self, "SELECT external_id FROM request_external WHERE request_id = ? LIMIT 1", [requestID])
            let cancelled: Double? = try db.value(Double.self, "SELECT at FROM request_cancellation WHERE request_id = ?", [requestID])
            return RequestServiceInfo(externalID: external, cancelledAt: cancelled.map(Date.init(unix:)))
        }
    }

    /// Cancels a pending request through the API: `rejectRequest` (its records go back to live,
    /// `request.rejected`), the cancellation row, and `request.cancelled`, in one transaction.
    /// - Throws: `LedgerError.unknownRequest`, `LedgerError.requestNotPending`.
    @discardableResult
    public func cancelRequest(id: Int64, by: String?, at: Date) throws -> DeletionRequest {
        try write { db in
            guard let request = try Self.fetchRequest(db, id: id) else { throw LedgerError.unknownRequest(id: id) }
            guard request.status == .pending else { throw LedgerError.requestNotPending(id: id, status: request.status) }
            try db.run("UPDATE deletion_request SET status = 'rejected', completed_at = ?, reason = COALESCE(reason, 'cancelled') WHERE id = ?",
                       [at.unix, id])
            let released = try Self.releasedRecords(db, of: id)
            try db.run("INSERT INTO request_cancellation (request_id, at, by) VALUES (?, ?, ?)", [id, at.unix, by])
            var chain = try AuditChain.head(db)
            var payload = JSONWriter()
            payload.add("by", by)
            payload.add("released", released)
            try chain.append(db, kind: .requestCancelled, requestID: id,
                             recordKey: request.targetKind == .record ? request.targetKey : nil,
                             shard: request.singleShard, payload: payload.json, at: at)
            try Self.enqueue(status: "cancelled", requests: [id], at: at, db)
            return try Self.fetchRequest(db, id: id)!
        }
    }

    /// The running jobs and the newest finished ones (for in_progress and failed statuses).
    public func recentJobs(limit: Int) throws -> [RetrainJob] { try jobs(limit: limit) }
}

/// Pending requests at a glance, from one aggregate query (the scheduler and metrics poll it).
public struct PendingStats: Sendable, Hashable {
    public var count: Int
    public var oldestReceived: Date?
    public var newestReceived: Date?
    public var earliestDue: Date?
    public var overdue: Int
}

extension Ledger {
    public func pendingStats(now: Date) throws -> PendingStats {
        try read { db in
            let row = try db.row("""
                SELECT COUNT(*), MIN(received_at), MAX(received_at), MIN(due_at),
                       SUM(CASE WHEN due_at < ? THEN 1 ELSE 0 END)
                FROM deletion_request WHERE status = 'pending'
                """, [now.unix])
            return PendingStats(
                count: row?[0] ?? 0, oldestReceived: (row?[1] as Double?).map(Date.init(unix:)),
                newestReceived: (row?[2] as Double?).map(Date.init(unix:)), earliestDue: (row?[3] as Double?).map(Date.init(unix:)),
                overdue: (row?[4] as Int?) ?? 0)
        }
    }

    /// The shards that hold records of pending requests.
    public func pendingShards() throws -> Set<Int> {
        try read { db in
            Set(try db.rows("""
                SELECT DISTINCT rr.shard FROM request_record rr JOIN deletion_request d ON d.id = rr.request_id
                WHERE d.status = 'pending'
                """).map { $0[0] as Int })
        }
    }

    /// The newest version number, without reading its manifest (cheap enough to poll).
    public func latestVersionNumber() throws -> Int? {
        try read { db in try db.value(Int.self, "SELECT MAX(version) FROM model_version") }
    }
}
