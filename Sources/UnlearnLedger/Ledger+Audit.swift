import Foundation
import GRDB

extension Ledger {
    /// Appends a standalone audit event (such as `store.recovered` or `verify.passed`) in
    /// its own transaction.
    @discardableResult
    public func appendEvent(
        kind: AuditEventKind, requestID: Int64?, recordKey: String?, shard: Int?, payload: String, at: Date
    ) throws -> AuditEvent {
        try write { db in
            var chain = try AuditChain.head(db)
            return try chain.append(
                db, kind: kind, requestID: requestID, recordKey: recordKey, shard: shard,
                payload: payload, at: at)
        }
    }

    /// Audit events matching every set filter, by ascending seq.
    ///
    /// `recordKey` and `shard` also match the events of requests that cover that record or
    /// shard (a subject request's events carry no record key, and carry a shard only when
    /// all its records are in one). `since` is inclusive, `until` exclusive, on `at`.
    public func events(
        requestID: Int64? = nil, recordKey: String? = nil, shard: Int? = nil,
        since: Date? = nil, until: Date? = nil, limit: Int? = nil
    ) throws -> [AuditEvent] {
        var conditions: [String] = []
        var arguments = StatementArguments()
        if let requestID {
            conditions.append("request_id = ?")
            arguments += [requestID]
        }
        if let recordKey {
            conditions.append("""
                ((record_key = ? AND request_id IS NULL)
                 OR request_id IN (SELECT request_id FROM request_record WHERE record_key = ?))
                """)
            arguments += [recordKey, recordKey]
        }
        if let shard {
            conditions.append("""
                ((shard = ? AND request_id IS NULL)
                 OR request_id IN (SELECT request_id FROM request_record WHERE shard = ?))
                """)
            arguments += [shard, shard]
        }
        if let since {
            conditions.append("at >= ?")
            arguments += [since.unix]
        }
        if let until {
            conditions.append("at < ?")
            arguments += [until.unix]
        }
        var sql = "SELECT * FROM audit_event"
        if !conditions.isEmpty {
            sql += " WHERE " + conditions.joined(separator: " AND ")
        }
        sql += " ORDER BY seq"
        if let limit {
            sql += " LIMIT ?"
            arguments += [max(0, limit)]
        }
        return try read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map(AuditEvent.init(row:))
        }
    }

    /// The newest event's seq and hash: quote it in receipts to anchor the chain outside
    /// the ledger. Nil when there are no events.
    public func chainHead() throws -> (seq: Int64, hash: String)? {
        try read { db in
            try db.row("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1")
                .map { ($0[0], $0[1]) }
        }
    }

    /// Re-checks the whole audit chain on one snapshot.
    ///
    /// Recomputes every hash and checks each event's `prev_hash` against its predecessor and
    /// that seqs run 1, 2, 3… without gaps. That catches an edited column, a deleted or
    /// reordered row, and a re-linked deletion that leaves a gap. It cannot catch a rewrite
    /// of the whole chain from some point on; anchor `chainHead()` outside the ledger for that.
    public func verifyChain() throws -> ChainReport {
        try read { db in
            let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM audit_event ORDER BY seq")
            var checked = 0
            var expectedSeq: Int64 = 1
            var prevHash = AuditChain.genesis
            while let row = try cursor.next() {
                let event = AuditEvent(row: row)
                checked += 1
                func broken(_ reason: String) -> ChainReport {
                    ChainReport(eventsChecked: checked, firstBrokenSeq: event.seq, reason: reason)
                }
                if event.seq != expectedSeq {
                    return broken("expected event \(expectedSeq) next but found \(event.seq): events are missing")
                }
                if event.prevHash != prevHash {
                    return broken("prev_hash does not match the hash of the event before it")
                }
                let recomputed = AuditChain.hash(
                    prevHash: event.prevHash, seq: event.seq, atSeconds: event.atSeconds, kind: event.kind.rawValue,
                    requestID: event.requestID, recordKey: event.recordKey, shard: event.shard,
                    payload: event.payload)
                if recomputed != event.hash {
                    return broken("hash does not match the event's contents: the event was edited")
                }
                expectedSeq += 1
                prevHash = event.hash
            }
            return ChainReport(eventsChecked: checked)
        }
    }
}

extension Ledger {
    /// One event, or nil.
    public func event(seq: Int64) throws -> AuditEvent? {
        try read { db in try db.row("SELECT * FROM audit_event WHERE seq = ?", [seq]).map(AuditEvent.init(row:)) }
    }

    /// The chain head right after the transaction that published `version`: the last of its
    /// `version.published` event and the `request.completed` events written with it.
    ///
    /// That transaction holds the write lock, so its events are contiguous and share one
    /// timestamp; nothing else can fall between them.
    public func headAfterPublishing(version: Int) throws -> (seq: Int64, hash: String)? {
        try read { db in
            guard let published = try db.row("""
                SELECT seq, at, hash FROM audit_event
                WHERE kind = ? AND payload LIKE ? ORDER BY seq LIMIT 1
                """, [AuditEventKind.versionPublished.rawValue, "%\"version\":\(version)}"]) else { return nil }
            var head: (seq: Int64, hash: String) = (published["seq"], published["hash"])
            let at: Double = published["at"]
            let following = try Row.fetchCursor(
                db, sql: "SELECT seq, kind, at, hash FROM audit_event WHERE seq > ? ORDER BY seq", arguments: [head.seq])
            while let row = try following.next() {
                guard row["kind"] == AuditEventKind.requestCompleted.rawValue, row["at"] == at else { break }
                head = (row["seq"], row["hash"])
            }
            return head
        }
    }
}
