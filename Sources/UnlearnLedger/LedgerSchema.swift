import GRDB

/// The ledger's migrations.
///
/// A shipped migration is never edited: schema changes get a new, named migration.
enum LedgerSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 create ledger") { db in
            try db.execute(sql: v1)
        }
        migrator.registerMigration("v2 job kind") { db in
            try db.execute(sql: v2)
        }
        ServiceSchema.register(&migrator)
        CallbackSchema.register(&migrator)
        IntakeIndexSchema.register(&migrator)
        return migrator
    }

    // Dates are REAL unix seconds so that range filters are plain comparisons.
    private static let v1 = """
        CREATE TABLE retrain_job (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            started_at REAL NOT NULL,
            finished_at REAL,
            status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
            plan TEXT NOT NULL,
            seconds REAL,
            error TEXT,
            worker TEXT
        );
        CREATE INDEX retrain_job_status ON retrain_job(status);

        CREATE TABLE model_version (
            version INTEGER PRIMARY KEY,
            created_at REAL NOT NULL,
            parent INTEGER REFERENCES model_version(version),
            job_id INTEGER REFERENCES retrain_job(id),
            kind TEXT NOT NULL,
            manifest TEXT NOT NULL,
            manifest_sha256 TEXT NOT NULL
        );

        CREATE TABLE record (
            key TEXT PRIMARY KEY NOT NULL,
            subject_key TEXT,
            shard INTEGER NOT NULL,
            slice INTEGER NOT NULL,
            state TEXT NOT NULL DEFAULT 'live' CHECK (state IN ('live', 'pending', 'deleted')),
            deleted_version INTEGER REFERENCES model_version(version)
        );
        CREATE INDEX record_subject ON record(subject_key);
        CREATE INDEX record_shard_slice ON record(shard, slice);

        CREATE TABLE deletion_request (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            target_kind TEXT NOT NULL CHECK (target_kind IN ('record', 'subject')),
            target_key TEXT NOT NULL,
            received_at REAL NOT NULL,
            due_at REAL NOT NULL,
            requested_by TEXT,
            reason TEXT,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'completed', 'rejected')),
            completed_at REAL,
            job_id INTEGER REFERENCES retrain_job(id),
            model_version INTEGER REFERENCES model_version(version),
            receipt TEXT
        );
        CREATE INDEX deletion_request_target ON deletion_request(target_key);
        CREATE INDEX deletion_request_status_due ON deletion_request(status, due_at);
        CREATE INDEX deletion_request_received ON deletion_request(received_at);

        CREATE TABLE request_record (
            request_id INTEGER NOT NULL REFERENCES deletion_request(id),
            record_key TEXT NOT NULL REFERENCES record(key),
            shard INTEGER NOT NULL,
            slice INTEGER NOT NULL,
            PRIMARY KEY (request_id, record_key)
        ) WITHOUT ROWID;
        CREATE INDEX request_record_key ON request_record(record_key);
        CREATE INDEX request_record_shard ON request_record(shard, request_id);

        CREATE TABLE audit_event (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            at REAL NOT NULL,
            kind TEXT NOT NULL,
            request_id INTEGER,
            record_key TEXT,
            shard INTEGER,
            payload TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE INDEX audit_event_request ON audit_event(request_id);
        CREATE INDEX audit_event_record ON audit_event(record_key);
        CREATE INDEX audit_event_shard ON audit_event(shard);
        CREATE INDEX audit_event_at ON audit_event(at);
        """

    // Jobs say what they do, so that questions such as "when was the live ensemble trained"
    // need no search through plan text. Earlier jobs are classified by their plan, which
    // named its kind for training jobs only.
    private static let v2 = """
        ALTER TABLE retrain_job ADD COLUMN kind TEXT NOT NULL DEFAULT 'retrain' CHECK (kind IN ('train', 'retrain'));
        UPDATE retrain_job SET kind = 'train' WHERE plan LIKE '%"kind":"train"%';
        """
}
