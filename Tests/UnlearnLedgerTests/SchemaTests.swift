import Foundation
import Testing
import GRDB
@testable import UnlearnLedger

@Suite("Schema and storage")
struct SchemaTests {
    @Test("migrations create every table and the ledger reopens without migrating again")
    func migrationsCreateSchema() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        do {
            let ledger = try Ledger(path: dir.ledgerPath)
            let tables = try ledger._stringsForTesting(
                sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            #expect(tables == [
                "audit_event", "callback_outbox", "deletion_request", "grdb_migrations", "job_request", "model_version", "record",
                "request_callback", "request_cancellation", "request_external", "request_record", "retrain_job", "service_token",
            ])
            #expect(try ledger.storageSettings().migrations == ["v1 create ledger", "v2 job kind", "v3 service", "v4 callbacks", "v5 lean intake indexes", "v6 no request_record shard index", "v7 pending read from requests"])
            try ledger.insertRecords(sampleRecords(count: 5))
        }
        let reopened = try Ledger(path: dir.ledgerPath)
        #expect(try reopened.storageSettings().migrations == ["v1 create ledger", "v2 job kind", "v3 service", "v4 callbacks", "v5 lean intake indexes", "v6 no request_record shard index", "v7 pending read from requests"])
        #expect(try reopened.recordCounts()[.live] == 5)
    }

    @Test("v6 leaves request_record one index beside its key, and the shard filters still find every request")
    func requestRecordIndexes() throws {
        try withFileLedger { ledger, _ in
            let indexes = try ledger._stringsForTesting(
                sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'request_record' ORDER BY name")
            #expect(indexes == ["request_record_key"])
            try ledger.insertRecords(sampleRecords(count: 40))
            for n in 0..<12 { try ledger.submitDeletion(deleteRecord(n * 3, at: Double(n))) }
            for shard in 0..<4 {
                // Record i is in shard i % 4 (sampleRecords), so the oracle needs no query plan.
                let expected = (0..<12).filter { ($0 * 3) % 4 == shard }.map { recordKey($0 * 3) }
                let found = try ledger.queryRequests(RequestFilter(shard: shard)).map(\.targetKey)
                #expect(found.sorted() == expected.sorted(), "shard \(shard)")
                let events = try ledger.events(shard: shard).filter { $0.kind == .requestReceived }
                #expect(events.count == expected.count, "audit events of shard \(shard)")
            }
        }
    }

    /// A ledger file as another unlearn left it: migrated up to `migration` (all when nil),
    /// then `seed` written to it directly.
    static func ledgerFile(_ dir: TempDir, migratedUpTo migration: String?, _ seed: (Database) throws -> Void) throws {
        let pool = try DatabasePool(path: dir.ledgerPath)
        if let migration { try LedgerSchema.migrator.migrate(pool, upTo: migration) } else { try LedgerSchema.migrator.migrate(pool) }
        try pool.write(seed)
    }

    @Test("v7 stores no 'pending': a v6 ledger's pending records still read pending, from their requests")
    func pendingMigration() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        // What v6's intake and publish wrote: record 0 pending under request 1, record 1
        // deleted, record 2 released by a rejected request 2, record 3 never requested.
        try Self.ledgerFile(dir, migratedUpTo: "v6 no request_record shard index") { db in
            for n in 0..<4 {
                try db.execute(sql: "INSERT INTO record (key, shard, slice, state) VALUES (?, 0, 0, ?)",
                               arguments: [recordKey(n), ["pending", "deleted", "live", "live"][n]])
            }
            try db.execute(sql: """
                INSERT INTO deletion_request (id, target_kind, target_key, received_at, due_at, status) VALUES
                    (1, 'record', ?, 1, 2, 'pending'), (2, 'record', ?, 1, 2, 'rejected');
                INSERT INTO request_record (request_id, record_key, shard, slice) VALUES (1, ?, 0, 0), (2, ?, 0, 0);
                """, arguments: [recordKey(0), recordKey(2), recordKey(0), recordKey(2)])
        }
        let ledger = try Ledger(path: dir.ledgerPath)
        #expect(try ledger._stringsForTesting(sql: "SELECT state FROM record ORDER BY rowid") == ["live", "deleted", "live", "live"])
        #expect(try (0..<4).map { try ledger.record(key: recordKey($0))?.state } == [.pending, .deleted, .live, .live])
        #expect(try ledger.recordCounts() == [.live: 2, .pending: 1, .deleted: 1])
        #expect(try ledger.request(id: 1)?.records.map(\.state) == [.pending])
        // Cancelling the pending request releases its record, and nothing reads pending after.
        #expect(try ledger.cancelRequest(id: 1, by: "test", at: t(3)).status == .rejected)
        #expect(try ledger.record(key: recordKey(0))?.state == .live)
        #expect(try ledger.recordCounts() == [.live: 3, .pending: 0, .deleted: 1])
    }

    @Test("a ledger migrated by a newer unlearn is refused, for writing and for reading, and left untouched")
    func newerLedgerIsRefused() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try Self.ledgerFile(dir, migratedUpTo: nil) { db in
            for n in 0..<3 { try db.execute(sql: "INSERT INTO record (key, shard, slice) VALUES (?, 0, 0)", arguments: [recordKey(n)]) }
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99 from a later release')")
        }
        for open in [{ try Ledger(path: dir.ledgerPath) }, { try Ledger(readingOnly: dir.ledgerPath) }] {
            #expect {
                _ = try open()
            } throws: { error in
                guard case LedgerError.storage(_, let path, let detail) = error else { return false }
                return path == dir.ledgerPath && detail.contains("newer unlearn")
            }
        }
        let pool = try DatabasePool(path: dir.ledgerPath)
        #expect(try pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM record") } == 3)
    }

    @Test("a record's derived state is one index probe: request_record by key, then the request by id")
    func derivedStateUsesTheKeyIndex() throws {
        let ledger = try Ledger.inMemory()
        try ledger.insertRecords(sampleRecords(count: 40))
        for n in 0..<10 { try ledger.submitDeletion(deleteRecord(n, at: Double(n))) }
        let plan = try ledger.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT \(Ledger.recordColumns) FROM record r WHERE r.key = 'x'").map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("pr") && $0.contains("request_record_key") }, "\(plan)")
        #expect(plan.contains { $0.contains("pd") && $0.contains("PRIMARY KEY") }, "\(plan)")
        #expect(!plan.contains { $0.hasPrefix("SCAN") }, "\(plan)")
    }

    @Test("v2 gives jobs of a v1 ledger their kind: training jobs by their plan, the rest retrain")
    func jobKindMigration() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try Self.ledgerFile(dir, migratedUpTo: "v1 create ledger") { db in
            try db.execute(sql: """
                INSERT INTO retrain_job (started_at, status, plan) VALUES (1, 'completed', '{"kind":"train","shards":[0,1]}');
                INSERT INTO retrain_job (started_at, status, plan) VALUES (2, 'completed', '{"requests":[1],"shards":[]}');
                """)
        }
        let ledger = try Ledger(path: dir.ledgerPath)
        #expect(try ledger.jobs(limit: 10).map(\.kind) == [.retrain, .train])
    }

    @Test("a file ledger uses WAL, synchronous FULL and foreign keys")
    func pragmas() throws {
        try withFileLedger { ledger, _ in
            let settings = try ledger.storageSettings()
            #expect(settings.journalMode == "wal")
            #expect(settings.synchronous == 2)
            #expect(settings.foreignKeys)
            #expect(settings.writerCacheKiB == Ledger.PageCache.standard.writerKiB)
            #expect(settings.readerCacheKiB == Ledger.PageCache.standard.readerKiB)
        }
    }

    @Test("the service's smaller page caches reach every connection, and FULL stays")
    func servicePageCache() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let settings = try Ledger(path: dir.ledgerPath, pageCache: .service).storageSettings()
        #expect(settings.writerCacheKiB == Ledger.PageCache.service.writerKiB)
        #expect(settings.readerCacheKiB == Ledger.PageCache.service.readerKiB)
        #expect(settings.synchronous == 2)
        #expect(Ledger.PageCache.service.writerKiB < Ledger.PageCache.standard.writerKiB)
    }

    @Test("the ledger file and its WAL sidecars are owner-only")
    func fileMode() throws {
        try withFileLedger { ledger, dir in
            try ledger.insertRecords(sampleRecords(count: 3))
            for suffix in ["", "-wal", "-shm"] {
                let path = dir.ledgerPath + suffix
                guard FileManager.default.fileExists(atPath: path) else {
                    #expect(suffix != "", "the main file must exist")
                    continue
                }
                let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
                #expect(mode == 0o600, "mode of ledger.sqlite\(suffix)")
            }
        }
    }

    @Test("an existing ledger file keeps its mode and contents when reopened")
    func reopenExisting() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        _ = try Ledger(path: dir.ledgerPath)
        let again = try Ledger(path: dir.ledgerPath)
        #expect(try again.recordCounts()[.live] == 0)
        let mode = try FileManager.default.attributesOfItem(atPath: dir.ledgerPath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test("opening a ledger in a missing directory says which path failed")
    func missingDirectory() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.url.appendingPathComponent("no/such/dir/ledger.sqlite").path
        #expect {
            try Ledger(path: path)
        } throws: { error in
            guard case LedgerError.cannotCreateFile(let failed, _) = error else { return false }
            return failed == path && "\(error)".contains(path)
        }
    }

    @Test("the schema rejects values outside its CHECK constraints")
    func checkConstraints() throws {
        let ledger = try Ledger.inMemory()
        #expect(throws: (any Error).self) {
            try ledger._executeForTesting(
                sql: "INSERT INTO record (key, shard, slice, state) VALUES ('k', 0, 0, 'gone')")
        }
        #expect(try ledger.recordCounts().values.reduce(0, +) == 0)
    }
}
