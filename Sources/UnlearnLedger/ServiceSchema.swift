import GRDB

/// The tables `unlearn serve` adds: API tokens and the callers' request ids.
///
/// Registered after the ledger's own migrations as `"v3 service"`; never edited once shipped.
enum ServiceSchema {
    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3 service") { db in
            try db.execute(sql: v3)
        }
    }

    // Tokens are stored as the sha256 of the bearer string only (the ledger file is 0600).
    // A caller's request id (`external_id` or `Idempotency-Key`) maps to the requests one
    // POST created, in the order of its entries, so a retry answers with the same requests.
    // Cancelling through the API sets the request `rejected` (the ledger's word) and records it
    // in `request_cancellation`, so the API can tell a cancellation from an operator's rejection.
    private static let v3 = """
        CREATE TABLE service_token (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('intake', 'predict', 'audit', 'operator')),
            token_sha256 TEXT NOT NULL UNIQUE,
            created_at REAL NOT NULL,
            revoked_at REAL
        );

        CREATE TABLE request_external (
            external_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            request_id INTEGER NOT NULL REFERENCES deletion_request(id),
            PRIMARY KEY (external_id, position)
        ) WITHOUT ROWID;
        CREATE INDEX request_external_request ON request_external(request_id);

        CREATE TABLE request_cancellation (
            request_id INTEGER PRIMARY KEY REFERENCES deletion_request(id),
            at REAL NOT NULL,
            by TEXT
        );
        """
}

