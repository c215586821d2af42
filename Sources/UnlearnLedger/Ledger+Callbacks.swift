import Foundation
import GRDB

// The callback outbox. Rows are written by the transactions that change a request's status
// (intake, job start, job failure, publish, cancellation), so a crash can never separate a
// status change from the deliveries it owes; the sender in `UnlearnServer` drains them.
extension Ledger {
    /// Stores where a new request wants to hear back. Inside the intake transaction.
    static func saveCallbacks(_ callbacks: RequestCallbacks, requestID: Int64, _ db: Database) throws {
        let urls = JSONWriter.array(callbacks.statusURLs)
        try db.run("INSERT INTO request_callback (request_id, reply_to, reply_to_token, status_urls) VALUES (?, ?, ?, ?)",
                   [requestID, callbacks.replyTo, callbacks.replyToken, urls])
    }

    /// Queues one delivery per status URL of each request (and, on completion, fides's callback)
    /// for a status change being written in the same transaction. Requests without callbacks cost
    /// one indexed lookup.
    ///
    /// - Parameter heldFor: the version whose purge the deliveries wait for (completion).
    static func enqueue(status: String, requests ids: [Int64], at: Date, heldFor: Int? = nil, _ db: Database) throws {
        guard !ids.isEmpty else { return }
        let lookup = try db.cachedStatement(sql: "SELECT reply_to, status_urls FROM request_callback WHERE request_id = ?")
        let insert = try db.cachedStatement(sql: """
            INSERT INTO callback_outbox (request_id, target, url, status, body, created_at, held_for_version, next_attempt_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for id in ids {
            guard let row = try Row.fetchOne(lookup, arguments: [id]) else { continue }
            let urls = (try? JSONDecoder().decode([String].self, from: Data((row[1] as String).utf8))) ?? []
            if !urls.isEmpty {
                let external = try db.value(String.self, "SELECT external_id FROM request_external WHERE request_id = ? LIMIT 1", [id])
                var body = JSONWriter()
                body.add("deletion_id", id)
                body.add("external_id", external)
                body.add("status", status)
                body.add("time", at)
                for url in urls {
                    try insert.execute(arguments: [id, CallbackTarget.status.rawValue, url, status, body.json, at.unix, heldFor, at.unix])
                }
            }
            if status == "completed", let replyTo = row[0] as String? {
                let masked = try db.value(Int.self, "SELECT COUNT(*) FROM request_record WHERE request_id = ?", [id]) ?? 0
                var body = JSONWriter()
                body.add("rows_masked", masked)
                try insert.execute(arguments: [id, CallbackTarget.fides.rawValue, replyTo, status, body.json, at.unix, heldFor, at.unix])
            }
        }
    }

    /// Remembers which requests with callbacks a starting job covers, and tells them "in_progress".
    static func enqueueJobStart(job: Int64, requests ids: [Int64], at: Date, _ db: Database) throws {
        let link = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO job_request (job_id, request_id)
            SELECT ?, request_id FROM request_callback WHERE request_id = ?
            """)
        var linked: [Int64] = []
        for id in ids {
            try link.execute(arguments: [job, id])
            if db.changesCount > 0 { linked.append(id) }
        }
        try enqueue(status: "in_progress", requests: linked, at: at, db)
    }

    /// Tells a failed job's still-pending requests "failed".
    static func enqueueJobFailure(job: Int64, at: Date, _ db: Database) throws {
        let ids = try db.rows("""
            SELECT j.request_id FROM job_request j JOIN deletion_request d ON d.id = j.request_id
            WHERE j.job_id = ? AND d.status = 'pending' ORDER BY j.request_id
            """, [job]).map { $0[0] as Int64 }
        try enqueue(status: "failed", requests: ids, at: at, db)
    }

    /// Records that the files superseded by `version` are gone; with `andEarlier`, by every
    /// version up to it (whole-store recovery removes every file the live version does not name).
    /// Held completion callbacks become due once every version up to theirs is purged.
    public func markPurged(version: Int, andEarlier: Bool = false, at: Date = Date()) throws {
        try write { db in
            try db.run("UPDATE model_version SET purged_at = ? WHERE purged_at IS NULL AND \(andEarlier ? "version <= ?" : "version = ?")",
                       [at.unix, version])
        }
    }

    /// True when `version` and every earlier version have been purged.
    public func isPurged(throughVersion version: Int) throws -> Bool {
        try read { db in
            try db.value(Int.self, "SELECT COUNT(*) FROM model_version WHERE version <= ? AND purged_at IS NULL", [version]) == 0
        }
    }

    /// The oldest version whose superseded files may still be on disk, or nil when all are purged.
    public func oldestUnpurgedVersion() throws -> Int? {
        try read { db in try db.value(Int.self, "SELECT MIN(version) FROM model_version WHERE purged_at IS NULL") }
    }

    /// Open rows due at `now`, oldest first, at most `limit`.
    ///
    /// A row waits while it is held for an unpurged version or for a version newer than
    /// `servedVersion` (the one the service predicts with; nil when it serves none), and while an
    /// earlier open row goes to the same target for the same request (each target hears a
    /// request's statuses in order).
    public func dueCallbacks(now: Date, limit: Int, servedVersion: Int?) throws -> [OutboxEntry] {
        try read { db in
            try db.rows("""
                SELECT o.*, c.reply_to_token FROM callback_outbox o LEFT JOIN request_callback c ON c.request_id = o.request_id
                WHERE \(Self.sendable) AND o.next_attempt_at <= ?
                ORDER BY o.next_attempt_at, o.id LIMIT ?
                """, [servedVersion, servedVersion, now.unix, max(0, limit)]).map(OutboxEntry.init(row:))
        }
    }

    /// When the next sendable row falls due (for the sender's sleep); nil when none.
    public func nextCallbackTime(servedVersion: Int?) throws -> Date? {
        try read { db in
            try db.value(Double.self, "SELECT MIN(o.next_attempt_at) FROM callback_outbox o WHERE \(Self.sendable)", [servedVersion, servedVersion])
                .map(Date.init(unix:))
        }
    }

    /// Open, not held for an unpurged or unserved version, and first in line for its target and
    /// request. Its two parameters are the served version (nil: no gate).
    private static let sendable = """
        (? IS NULL OR o.held_for_version IS NULL OR o.held_for_version <= ?)
        AND o.delivered_at IS NULL AND o.given_up_at IS NULL
        AND (o.held_for_version IS NULL OR NOT EXISTS (
            SELECT 1 FROM model_version v WHERE v.version <= o.held_for_version AND v.purged_at IS NULL))
        AND NOT EXISTS (SELECT 1 FROM callback_outbox e
                        WHERE e.request_id = o.request_id AND e.target = o.target AND e.url = o.url AND e.id < o.id
                          AND e.delivered_at IS NULL AND e.given_up_at IS NULL)
        """

    /// Records one attempt's outcome. A delivered or given-up fides callback is an audit event
    /// in the same transaction.
    public func recordAttempt(_ entry: OutboxEntry, _ result: DeliveryResult, httpStatus: Int?, at: Date) throws {
        try write { db in
            switch result {
            case .delivered:
                try db.run("UPDATE callback_outbox SET attempts = attempts + 1, last_attempt_at = ?, delivered_at = ?, last_error = NULL WHERE id = ?",
                           [at.unix, at.unix, entry.id])
            case .retry(let error, let next):
                try db.run("UPDATE callback_outbox SET attempts = attempts + 1, last_attempt_at = ?, last_error = ?, next_attempt_at = ? WHERE id = ?",
                           [at.unix, error, next.unix, entry.id])
            case .givenUp(let error):
                try db.run("UPDATE callback_outbox SET attempts = attempts + 1, last_attempt_at = ?, last_error = ?, given_up_at = ? WHERE id = ?",
                           [at.unix, error, at.unix, entry.id])
            }
            let kind: AuditEventKind?
            switch result {
            case .delivered: kind = entry.target == .fides ? .callbackDelivered : nil
            case .givenUp: kind = .callbackGivenUp
            case .retry: kind = nil
            }
            guard let kind else { return }
            var payload = JSONWriter()
            payload.add("attempts", entry.attempts + 1)
            if case .givenUp(let error) = result { payload.add("error", error) }
            payload.add("http_status", httpStatus)
            payload.add("outbox_id", entry.id)
            payload.add("status", entry.status)
            payload.add("target", entry.target.rawValue)
            var chain = try AuditChain.head(db)
            try chain.append(db, kind: kind, requestID: entry.requestID, payload: payload.json, at: at)
        }
    }

    /// Outbox rows, newest first: all, or only the failing ones (tried without success, or given up).
    public func callbacks(failingOnly: Bool = false, limit: Int = 1000) throws -> [OutboxEntry] {
        try read { db in
            let condition = failingOnly
                ? "WHERE o.given_up_at IS NOT NULL OR (o.delivered_at IS NULL AND o.attempts > 0 AND o.last_error IS NOT NULL)" : ""
            return try db.rows("SELECT o.*, NULL AS reply_to_token FROM callback_outbox o \(condition) ORDER BY o.id DESC LIMIT ?",
                               [max(0, limit)]).map(OutboxEntry.init(row:))
        }
    }

    /// Makes rows due now again: one row by id, or every failing and given-up row. Audited as
    /// `callback.retried`. Returns how many rows changed.
    /// - Throws: `LedgerError.unknownCallback` for an id the outbox does not hold.
    @discardableResult
    public func retryCallbacks(id: Int64?, by: String?, at: Date) throws -> Int {
        try write { db in
            if let id {
                guard try db.value(Int64.self, "SELECT id FROM callback_outbox WHERE id = ?", [id]) != nil else {
                    throw LedgerError.unknownCallback(id: id)
                }
                try db.run("UPDATE callback_outbox SET given_up_at = NULL, next_attempt_at = ? WHERE id = ? AND delivered_at IS NULL",
                           [at.unix, id])
            } else {
                try db.run("""
                    UPDATE callback_outbox SET given_up_at = NULL, next_attempt_at = ?
                    WHERE delivered_at IS NULL AND (given_up_at IS NOT NULL OR (attempts > 0 AND last_error IS NOT NULL))
                    """, [at.unix])
            }
            let changed = db.changesCount
            var payload = JSONWriter()
            payload.add("by", by)
            payload.add("id", id)
            payload.add("rows", changed)
            var chain = try AuditChain.head(db)
            try chain.append(db, kind: .callbackRetried, payload: payload.json, at: at)
            return changed
        }
    }

    /// Open and given-up counts, and the failing targets (by host; paths may hold ids).
    public func outboxSummary() throws -> OutboxSummary {
        try read { db in
            let pending = try db.value(Int.self, "SELECT COUNT(*) FROM callback_outbox WHERE delivered_at IS NULL AND given_up_at IS NULL") ?? 0
            let givenUp = try db.value(Int.self, "SELECT COUNT(*) FROM callback_outbox WHERE given_up_at IS NOT NULL") ?? 0
            let rows = try db.rows("""
                SELECT o.*, NULL AS reply_to_token FROM callback_outbox o
                WHERE o.given_up_at IS NOT NULL OR (o.delivered_at IS NULL AND o.attempts > 0 AND o.last_error IS NOT NULL)
                ORDER BY o.attempts DESC, o.id LIMIT 500
                """).map(OutboxEntry.init(row:))
            var byHost: [String: OutboxSummary.FailingTarget] = [:]
            var order: [String] = []
            for entry in rows {
                let host = entry.target == .fides ? "fides" : (URLComponents(string: entry.url)?.host ?? "?")
                if byHost[host] == nil {
                    order.append(host)
                    byHost[host] = .init(host: host, target: entry.target, attempts: entry.attempts, lastError: entry.lastError,
                                         givenUp: entry.givenUpAt != nil)
                } else if entry.givenUpAt != nil {
                    byHost[host]!.givenUp = true
                }
            }
            return OutboxSummary(pending: pending, givenUp: givenUp, failing: order.map { byHost[$0]! })
        }
    }

    /// Where a request wants to hear back, or nil when it gave nothing.
    public func callbacks(ofRequest id: Int64) throws -> RequestCallbacks? {
        try read { db in
            guard let row = try db.row("SELECT reply_to, reply_to_token, status_urls FROM request_callback WHERE request_id = ?", [id]) else {
                return nil
            }
            let urls = (try? JSONDecoder().decode([String].self, from: Data((row[2] as String).utf8))) ?? []
            return RequestCallbacks(replyTo: row[0], replyToken: row[1], statusURLs: urls)
        }
    }
}

extension OutboxEntry {
    /// From a `callback_outbox` row joined with the request's `reply_to_token`.
    init(row: Row) throws {
        self.init(
            id: row["id"], requestID: row["request_id"], target: try CallbackTarget.decode(row["target"]), url: row["url"],
            status: row["status"], body: row["body"], createdAt: Date(unix: row["created_at"]), heldForVersion: row["held_for_version"],
            attempts: row["attempts"], nextAttemptAt: Date(unix: row["next_attempt_at"]), lastError: row["last_error"],
            lastAttemptAt: (row["last_attempt_at"] as Double?).map(Date.init(unix:)),
            deliveredAt: (row["delivered_at"] as Double?).map(Date.init(unix:)),
            givenUpAt: (row["given_up_at"] as Double?).map(Date.init(unix:)),
            token: (row["target"] as String) == CallbackTarget.fides.rawValue ? (row["reply_to_token"] as String?) : nil)
    }
}
