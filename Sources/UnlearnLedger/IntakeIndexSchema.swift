import GRDB

/// Indexes that cost intake no random pages.
///
/// Registered after the callback tables as `"v5 lean intake indexes"`; never edited once shipped.
enum IntakeIndexSchema {
    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v5 lean intake indexes") { db in
            try db.execute(sql: v5)
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
}
