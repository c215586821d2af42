import Foundation
import GRDB

extension Ledger {
    /// Adds records to the index in one transaction.
    ///
    /// Also appends one `records.indexed` audit event with the count, dated `at`.
    /// - Throws: `LedgerError.duplicateRecordKey` if a key is already indexed or repeated in
    ///   `entries`; then nothing is inserted.
    public func insertRecords(_ entries: [RecordEntry], at: Date = Date()) throws {
        guard !entries.isEmpty else { return }
        let cache = ProcessInfo.processInfo.environment["LEDGER_CACHE"] ?? "-2000"
        let sync = ProcessInfo.processInfo.environment["LEDGER_SYNC"] ?? "FULL"
        try writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA cache_size = \(cache); PRAGMA synchronous = \(sync)") }
        let t0 = Date()
        defer { print("insert+commit", Date().timeIntervalSince(t0)) }
        try write { db in
            // One cached prepared statement, rebound per row: about 1 µs a row.
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
            var chain = try AuditChain.head(db)
            try chain.append(
                db, kind: "records.indexed", payload: Payload.json(["count": entries.count]), at: at)
        }
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
        try db.row("SELECT * FROM record WHERE key = ?", [key]).map(RecordEntry.init(row:))
    }

    static func fetchRecords(_ db: Database, subjectKey: String) throws -> [RecordEntry] {
        try db.rows("SELECT * FROM record WHERE subject_key = ? ORDER BY shard, slice, key", [subjectKey])
            .map(RecordEntry.init(row:))
    }
}
