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
            try db.rows("SELECT * FROM record WHERE shard = ? ORDER BY slice, key", [shard])
                .map(RecordEntry.init(row:))
        }
    }

    /// How many records are in each state; every state is present, zero if none.
    public func recordCounts() throws -> [RecordState: Int] {
        try read { db in
            var counts = Dictionary(uniqueKeysWithValues: RecordState.allCases.map { ($0, 0) })
            for row in try db.rows("SELECT state, COUNT(*) FROM record GROUP BY state") {
                counts[try RecordState.decode(row[0])] = row[1]
            }
            return counts
        }
    }

    static func fetchRecord(_ db: Database, key: String) throws -> RecordEntry? {
        try db.firstRow(direct: "SELECT key, subject_key, shard, slice, state, deleted_version FROM record WHERE key = ?", [.text(key)]) { row in
            RecordEntry(key: row.text(0), subjectKey: row.optionalText(1), shard: row.int(2), slice: row.int(3),
                        state: try RecordState.decode(row.text(4)), deletedVersion: row.optionalInt(5))
        }
    }

    static func fetchRecords(_ db: Database, subjectKey: String) throws -> [RecordEntry] {
        try db.rows("SELECT * FROM record WHERE subject_key = ? ORDER BY shard, slice, key", [subjectKey])
            .map(RecordEntry.init(row:))
    }
}

extension Ledger {
    /// The keys of every record in `state`, sorted.
    public func recordKeys(state: RecordState) throws -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT key FROM record WHERE state = ? ORDER BY key", arguments: [state.rawValue]) }
    }
}
