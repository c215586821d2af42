import Foundation
import GRDB

extension Ledger {
    /// Adds records to the index in one transaction.
    ///
    /// Also appends one `records.indexed` audit event with the count, dated `at`. Large
    /// batches run with a bigger page cache, and into an empty index (the import) they drop
    /// the secondary indexes and rebuild them afterwards in the same transaction; a sorted
    /// rebuild beats half a million random index inserts.
    /// - Throws: `LedgerError.duplicateRecordKey` if a key is already indexed or repeated in
    ///   `entries`; then nothing is inserted.
    public func insertRecords(_ entries: [RecordEntry], at: Date = Date()) throws {
        guard !entries.isEmpty else { return }
        let bulk = entries.count >= Self.bulkThreshold
        try withLargeCache(enabled: bulk) {
            try write { db in
                let rebuild = try bulk && (db.value(Bool.self, "SELECT NOT EXISTS (SELECT 1 FROM record)") ?? false)
                let indexes = rebuild ? try Self.dropSecondaryIndexes(db) : []
                // One cached prepared statement, rebound per row.
                let insert = try db.cachedStatement(sql: """
                    INSERT INTO record (key, subject_key, shard, slice, state, deleted_version)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """)
                for entry in entries {
                    // Pending is read from the requests, never stored (`recordStateSQL`).
                    precondition(entry.state != .pending, "a record is indexed live or deleted; pending comes from its requests")
                    insert.setUncheckedArguments([
                        entry.key, entry.subjectKey, entry.shard, entry.slice,
                        entry.state.rawValue, entry.deletedVersion,
                    ])
                    do {
                        try insert.execute()
                    } catch let error as DatabaseError
                        where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY
                    {
                        throw LedgerError.duplicateRecordKey(key: entry.key)
                    }
                }
                for sql in indexes {
                    try db.execute(sql: sql)
                }
                var chain = try AuditChain.head(db)
                try chain.append(
                    db, kind: .recordsIndexed, payload: Payload.indexed(count: entries.count), at: at)
            }
        }
    }

    /// Batches at least this large take the bulk path of `insertRecords`.
    static let bulkThreshold = 10_000

    /// Drops the `record` table's secondary indexes and returns the SQL that recreates them.
    ///
    /// Read back from `sqlite_master`, so the rebuilt indexes are exactly the migrated ones.
    private static func dropSecondaryIndexes(_ db: Database) throws -> [String] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT name, sql FROM sqlite_master
            WHERE type = 'index' AND tbl_name = 'record' AND sql IS NOT NULL
            ORDER BY name
            """)
        for row in rows {
            try db.execute(sql: "DROP INDEX \((row["name"] as String).quotedDatabaseIdentifier)")
        }
        return rows.map { $0["sql"] }
    }

    /// Runs `body` with a 128 MiB page cache on the writer, then restores the old size.
    ///
    /// Random-order index inserts into a large table otherwise spill and re-read pages.
    private func withLargeCache(enabled: Bool, _ body: () throws -> Void) throws {
        guard enabled else { return try body() }
        let previous = try writer.writeWithoutTransaction { db in
            let size = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -2000
            try db.execute(sql: "PRAGMA cache_size = -131072")
            return size
        }
        defer {
            try? writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA cache_size = \(previous)") }
        }
        try body()
    }

    /// The record with this key, or nil.
    public func record(key: String) throws -> RecordEntry? {
        try read { db in try Self.fetchRecord(db, key: key) }
    }

    /// All records of one data subject (in any state), by shard, slice and key.
    public func records(subjectKey: String) throws -> [RecordEntry] {
        try read { db in try Self.fetchRecords(db, subjectKey: subjectKey) }
    }

    /// All records of one shard (in any state), by slice and key.
    public func records(shard: Int) throws -> [RecordEntry] {
        try read { db in
            try db.rows("SELECT \(Self.recordColumns) FROM record r WHERE r.shard = ? ORDER BY r.slice, r.key", [shard])
                .map(RecordEntry.init(row:))
        }
    }

    /// How many records are in each state; every state is present, zero if none.
    public func recordCounts() throws -> [RecordState: Int] {
        try read { db in
            let stored = try db.row("SELECT COUNT(*), COALESCE(SUM(state = 'deleted'), 0) FROM record")!
            let pending: Int = try db.value(Int.self, """
                SELECT COUNT(DISTINCT rr.record_key)
                FROM deletion_request d JOIN request_record rr ON rr.request_id = d.id JOIN record r ON r.key = rr.record_key
                WHERE d.status = 'pending' AND r.state <> 'deleted'
                """) ?? 0
            let total: Int = stored[0], deleted: Int = stored[1]
            return [.live: total - deleted - pending, .pending: pending, .deleted: deleted]
        }
    }

    /// A record's state, for a `record` row aliased `r`. Only `deleted` is stored (by publish);
    /// `pending` means that a pending request covers the record, and is read from the requests,
    /// so that intake writes no page of the record table: one random B-tree page per request
    /// fewer in every group commit. `live` is the rest.
    static let recordStateSQL = """
        CASE WHEN r.state = 'deleted' THEN 'deleted'
             WHEN EXISTS (SELECT 1 FROM request_record pr JOIN deletion_request pd ON pd.id = pr.request_id
                          WHERE pr.record_key = r.key AND pd.status = 'pending') THEN 'pending'
             ELSE 'live' END
        """

    /// The columns of a `RecordEntry`, from `record r`, in `RecordEntry(row:)`'s names.
    static let recordColumns = "r.key, r.subject_key, r.shard, r.slice, \(recordStateSQL) AS state, r.deleted_version"

    static func fetchRecord(_ db: Database, key: String) throws -> RecordEntry? {
        try db.firstRow(direct: "SELECT \(recordColumns) FROM record r WHERE r.key = ?", [.text(key)]) { row in
            RecordEntry(key: row.text(0), subjectKey: row.optionalText(1), shard: row.int(2), slice: row.int(3),
                        state: try RecordState.decode(row.text(4)), deletedVersion: row.optionalInt(5))
        }
    }

    static func fetchRecords(_ db: Database, subjectKey: String) throws -> [RecordEntry] {
        try db.rows("SELECT \(recordColumns) FROM record r WHERE r.subject_key = ? ORDER BY r.shard, r.slice, r.key", [subjectKey])
            .map(RecordEntry.init(row:))
    }
}

extension Ledger {
    /// The keys of every record in `state`, sorted.
    public func recordKeys(state: RecordState) throws -> [String] {
        // Deleted is stored, so that list (verification's) needs no look at the requests.
        let condition = state == .deleted ? "r.state = 'deleted'" : "(\(Self.recordStateSQL)) = '\(state.rawValue)'"
        return try read { db in try String.fetchAll(db, sql: "SELECT r.key FROM record r WHERE \(condition) ORDER BY r.key") }
    }
}
