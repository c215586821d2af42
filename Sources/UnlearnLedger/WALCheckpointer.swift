import GRDB

/// Copies committed WAL frames into the database file on a connection of its own, so that the
/// writer's commits stop paying for checkpoints.
///
/// SQLite checkpoints in the committing connection: every 1,000 WAL pages, one commit also
/// copies them into the database file and fsyncs it, and every request in that group waits.
/// With a checkpointer the writer's automatic checkpoint is raised to `backstopPages`, where it
/// only finishes what this connection has not yet copied and lets the WAL start over (a
/// passive checkpoint never resets the WAL while the writer keeps appending). Passive
/// checkpoints take no write lock, so the writer is never blocked by one.
public final class WALCheckpointer: Sendable {
    private let connection: DatabaseQueue
    private let path: String

    init(path: String) throws {
        self.path = path
        var configuration = Configuration()
        configuration.label = "unlearn.ledger.checkpoint"
        configuration.busyMode = .timeout(10)
        connection = try DatabaseQueue(path: path, configuration: configuration)
    }

    /// Runs one passive checkpoint and returns the WAL frames still not in the database file,
    /// or nil when the writer's backstop checkpoint was running (the frames are then its work).
    /// - Throws: `LedgerError.storage` (a full disk, an I/O error); the WAL then keeps the frames.
    @discardableResult
    public func checkpoint() throws -> Int? {
        try Ledger.translatingErrors(path) {
            do {
                return try connection.writeWithoutTransaction { db in
                    let (walFrames, copied) = try db.checkpoint(.passive)
                    return max(0, walFrames - copied)
                }
            } catch let error as DatabaseError where error.resultCode.primaryResultCode == .SQLITE_BUSY {
                return nil
            }
        }
    }
}

extension Ledger {
    /// The writer's automatic checkpoint interval while a `WALCheckpointer` runs, in pages.
    public static let backstopCheckpointPages = 4_000

    /// Hands checkpoints to a second connection that the caller runs periodically (the
    /// service, every few tens of milliseconds); commands keep SQLite's checkpoint on commit.
    /// - Throws: `LedgerError.storage` for an in-memory or read-only ledger's errors.
    public func backgroundCheckpointer(backstopPages: Int = Ledger.backstopCheckpointPages) throws -> WALCheckpointer {
        guard let path else { throw LedgerError.storage(.io, path: "(memory)", detail: "an in-memory ledger has no WAL") }
        return try Self.translatingErrors(path) {
            let checkpointer = try WALCheckpointer(path: path)
            try writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = \(backstopPages)") }
            return checkpointer
        }
    }

    /// The writer's automatic checkpoint interval in pages (SQLite's default is 1,000).
    public func autoCheckpointPages() throws -> Int {
        try writer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") ?? -1 }
    }
}
