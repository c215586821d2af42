import GRDB

/// The tables behind fides and status callbacks: where each request wants to hear back, and a
/// durable outbox of deliveries still to make.
///
/// Registered after `"v3 service"` as `"v4 callbacks"`; never edited once shipped.
enum CallbackSchema {
    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4 callbacks") { db in
            try db.execute(sql: v4)
        }
    }

    // `request_callback`: fides's `reply-to` path and `reply-to-token` (a bearer secret, kept only
    // here in the owner-only ledger and never logged) and the caller's status URLs (a JSON array).
    //
    // `callback_outbox`: one row per delivery, inserted in the transaction of the status change
    // that causes it. For fides, `url` is the reply-to path (the base URL is the server's
    // `--fides-url`) and the token is read from `request_callback` when sending. A row with
    // `held_for_version` waits until that version and every earlier one are purged
    // (`model_version.purged_at`), so "completed" is never said while superseded files that
    // hold the records are still on disk. `last_error` holds an HTTP status or a transport
    // error's kind, never a record id.
    //
    // `job_request`: the requests with callbacks that a job covers, so that a failed or
    // interrupted job tells them "failed".
    private static let v4 = """
        CREATE TABLE request_callback (
            request_id INTEGER PRIMARY KEY REFERENCES deletion_request(id),
            reply_to TEXT,
            reply_to_token TEXT,
            status_urls TEXT NOT NULL DEFAULT '[]'
        );

        CREATE TABLE callback_outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            request_id INTEGER NOT NULL REFERENCES deletion_request(id),
            target TEXT NOT NULL CHECK (target IN ('fides', 'status')),
            url TEXT NOT NULL,
            status TEXT NOT NULL,
            body TEXT NOT NULL,
            created_at REAL NOT NULL,
            held_for_version INTEGER,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL NOT NULL,
            last_error TEXT,
            last_attempt_at REAL,
            delivered_at REAL,
            given_up_at REAL
        );
        CREATE INDEX callback_outbox_open ON callback_outbox(next_attempt_at)
            WHERE delivered_at IS NULL AND given_up_at IS NULL;
        CREATE INDEX callback_outbox_request ON callback_outbox(request_id);

        CREATE TABLE job_request (
            job_id INTEGER NOT NULL REFERENCES retrain_job(id),
            request_id INTEGER NOT NULL REFERENCES deletion_request(id),
            PRIMARY KEY (job_id, request_id)
        ) WITHOUT ROWID;

        ALTER TABLE model_version ADD COLUMN purged_at REAL;
        """
}
