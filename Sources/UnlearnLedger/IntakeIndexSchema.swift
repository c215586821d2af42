import GRDB

/// Indexes and columns that cost intake no random pages.
///
/// Registered after the callback tables as `"v5 lean intake indexes"`,
/// `"v6 no request_record shard index"` and `"v7 pending read from requests"`; never edited
/// once shipped.
enum IntakeIndexSchema {
    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v5 lean intake indexes") { db in
            try db.execute(sql: v5)
        }
        migrator.registerMigration("v6 no request_record shard index") { db in
            try db.execute(sql: v6)
        }
        migrator.registerMigration("v7 pending read from requests") { db in
            try db.execute(sql: v7)
        }
    }

    // Record keys are keyed hashes, so an index on them takes one random B-tree page per
    // accepted request, written whole to the WAL at each commit. Intake paid for four such
    // pages; two of them indexed rows that another index already reaches:
    // - a record request's events are found through `request_record` (its request id), so
    //   `audit_event.record_key` and `.shard` need indexing only for events with no request;
    // - record requests are found through `request_record.record_key`, so the target key
    //   needs indexing only for subject requests.
    // The queries say `request_id IS NULL` and `target_kind = 'subject'` so that SQLite uses
    // these partial indexes.
    private static let v5 = """
        DROP INDEX audit_event_record;
        CREATE INDEX audit_event_record ON audit_event(record_key) WHERE request_id IS NULL;
        DROP INDEX audit_event_shard;
        CREATE INDEX audit_event_shard ON audit_event(shard) WHERE request_id IS NULL;
        DROP INDEX deletion_request_target;
        CREATE INDEX deletion_request_subject ON deletion_request(target_key) WHERE target_kind = 'subject';
        """

    // `request_record(shard, request_id)` grows at one insertion point per shard, so a group
    // commit of requests spread over S shards wrote up to S of its leaf pages: ≈ 19% of an
    // intake commit's WAL frames. Its only readers were the audit and request-list filters by
    // shard (`request_id IN (SELECT request_id FROM request_record WHERE shard = ?)`), which
    // SQLite evaluates once per query: without the index, one scan of `request_record` for an
    // operator's query, on no path that intake, retrains or predictions take.
    private static let v6 = """
        DROP INDEX request_record_shard;
        """

    // Intake set each covered record's `state` to 'pending': one random page of the record
    // table per request (keys are keyed hashes), ≈ a third of a group commit's WAL frames. A
    // record is pending exactly while a pending request covers it, so readers now derive it
    // (`Ledger.recordStateSQL`) and only 'deleted' is stored. The CHECK constraint still allows
    // 'pending'; nothing writes it.
    private static let v7 = """
        UPDATE record SET state = 'live' WHERE state = 'pending';
        """
}
