import GRDB

/// The SQLite settings of the ledger's writer connection, for `unlearn status` and tests.
public struct StorageSettings: Sendable, Hashable {
    /// `wal` for a file ledger, `memory` in memory.
    public var journalMode: String
    /// 2 is FULL: every commit is fsynced before it returns.
    public var synchronous: Int
    public var foreignKeys: Bool
    /// Names of the applied migrations, in order.
    public var migrations: [String]
    /// Page caches in KiB: the writer's, and one reader's.
    public var writerCacheKiB: Int = 0
    public var readerCacheKiB: Int = 0
}

extension Ledger {
    /// Reads the settings on the writer connection (synchronous is per connection).
    public func storageSettings() throws -> StorageSettings {
        // cache_size is negative KiB when set in KiB, as the ledger sets it.
        var settings = try writer.writeWithoutTransaction { db in
            StorageSettings(
                journalMode: try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "",
                synchronous: try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1,
                foreignKeys: try Bool.fetchOne(db, sql: "PRAGMA foreign_keys") ?? false,
                migrations: try LedgerSchema.migrator.appliedMigrations(db),
                writerCacheKiB: -(try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? 0))
        }
        settings.readerCacheKiB = try read { db in -(try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? 0) }
        return settings
    }

    /// Runs raw SQL outside any check and without an audit event.
    ///
    /// Only for tests that simulate tampering or corruption; never call it in the service.
    public func _executeForTesting(sql: String) throws {
        try writer.writeWithoutTransaction { db in try db.execute(sql: sql) }
    }

    /// The first column of a raw query, as text (NULL as "NULL"). Only for tests.
    public func _stringsForTesting(sql: String) throws -> [String] {
        try read { db in
            try Row.fetchAll(db, sql: sql).map { row in
                switch row.databaseValues.first?.storage {
                case .int64(let value): String(value)
                case .double(let value): String(value)
                case .string(let value): value
                case .blob(let value): value.map { String($0, radix: 16) }.joined()
                case .null, nil: "NULL"
                }
            }
        }
    }
}

extension Ledger {
    /// SQLite's own check of the database file: `["ok"]` when sound, otherwise its findings.
    ///
    /// - Parameter quick: `quick_check` (O(pages), skips index consistency) instead of the full
    ///   `integrity_check`.
    public func integrityCheck(quick: Bool = false) throws -> [String] {
        try read { db in
            try String.fetchAll(db, sql: quick ? "PRAGMA quick_check" : "PRAGMA integrity_check")
        }
    }
}
