import Foundation
import GRDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The SQLite ledger of one store: record index, deletion requests, jobs, model versions
/// and the audit hash chain.
///
/// Every change and the audit event describing it are written in one `IMMEDIATE` write
/// transaction, committed with `synchronous = FULL`, so an acknowledged request survives
/// a power loss. Safe to share between tasks; GRDB serialises the writes and WAL lets
/// reads run beside them.
public final class Ledger: Sendable {
    let writer: any DatabaseWriter
    /// The SQLite file, or nil for an in-memory ledger.
    public let path: String?

    /// How much of the ledger each SQLite connection keeps in memory.
    public struct PageCache: Sendable, Equatable {
        public var writerKiB: Int
        public var readerKiB: Int
        public init(writerKiB: Int, readerKiB: Int) {
            self.writerKiB = writerKiB
            self.readerKiB = readerKiB
        }

        /// For commands: intake and publish touch random pages of a record index that reaches
        /// 100 MB at half a million records, so the writer keeps 32 MiB.
        public static let standard = PageCache(writerKiB: 32_768, readerKiB: 8_192)
        /// For the long-running service: the caches fill as the ledger grows (every version adds
        /// its manifest), so resident memory climbs until they are full. Small caches reach
        /// that ceiling within minutes; the file's pages stay in the kernel's page cache anyway.
        public static let service = PageCache(writerKiB: 8_192, readerKiB: 1_024)
    }

    /// Opens the ledger at `path`, creating it owner-only (mode 0600) if needed, and migrates it.
    ///
    /// - Parameter path: The SQLite file (its `-wal` and `-shm` files live beside it).
    /// - Throws: `LedgerError.cannotCreateFile`, or a GRDB `DatabaseError`.
    public init(path: String, pageCache: PageCache = .standard) throws {
        try Self.createOwnerOnly(path)
        let pool = try Self.translatingErrors(path) { try Self.openPool(path, pageCache) }
        self.writer = pool
        self.path = path
    }

    /// Opens an existing ledger for reading only: nothing is created, migrated or written, so
    /// queries keep working on a full disk and a damaged store is not touched.
    ///
    /// - Throws: `LedgerError.storage` when the file is missing, damaged or needs a migration
    ///   (which only a writing command may run).
    public init(readingOnly path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw LedgerError.storage(.damaged, path: path, detail: "the file is missing")
        }
        var configuration = Self.configuration()
        configuration.readonly = true
        let pool: any DatabaseWriter
        do {
            pool = try Self.translatingErrors(path) { try DatabasePool(path: path, configuration: configuration) }
        } catch LedgerError.storage(let failure, _, _) where (failure == .full || failure == .io) && !Self.hasWAL(path) {
            // A full disk leaves no room for SQLite's shared-memory file. With no WAL to merge,
            // the database file alone is the whole ledger, so it can be read as immutable.
            let uri = "file:" + (path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path) + "?immutable=1"
            pool = try Self.translatingErrors(path) { try DatabaseQueue(path: uri, configuration: configuration) }
        }
        try Self.refuseNewer(pool, path)
        let migrated = try Self.translatingErrors(path) { try pool.read { try LedgerSchema.migrator.hasCompletedMigrations($0) } }
        guard migrated else {
            throw LedgerError.storage(.io, path: path, detail: "it was written by an older unlearn and needs a migration; run 'unlearn recover' once")
        }
        self.writer = pool
        self.path = path
    }

    private static func openPool(_ path: String, _ pageCache: PageCache) throws -> DatabasePool {
        let pool = try DatabasePool(path: path, configuration: Self.configuration(readerCacheKiB: pageCache.readerKiB))
        // GRDB switches the writer to synchronous=NORMAL when it enables WAL, after
        // prepareDatabase ran; acknowledged requests must be durable, so restore FULL.
        // The writer also gets a larger page cache: intake and publish touch random pages
        // of a record index that reaches 100 MB at half a million records.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL; PRAGMA cache_size = -\(pageCache.writerKiB)")
        }
        try refuseNewer(pool, path)
        try LedgerSchema.migrator.migrate(pool)
        Self.restrictSidecars(of: path)
        return pool
    }

    /// Refuses a ledger that a newer unlearn migrated: GRDB would open it without a word, and
    /// this version would misread what the newer migrations changed (since v7, for instance, a
    /// pending record is no longer marked in `record.state`, and an older reader sees it live).
    private static func refuseNewer(_ pool: any DatabaseReader, _ path: String) throws {
        let newer = try translatingErrors(path) { try pool.read { try LedgerSchema.migrator.hasBeenSuperseded($0) } }
        guard !newer else {
            throw LedgerError.storage(.io, path: path, detail: "it was migrated by a newer unlearn than this one; run that version (or a later one), not this one")
        }
    }

    /// Opens an empty, migrated ledger in memory (for tests).
    public static func inMemory() throws -> Ledger {
        let queue = try DatabaseQueue(configuration: configuration())
        try LedgerSchema.migrator.migrate(queue)
        return Ledger(writer: queue)
    }

    private init(writer: any DatabaseWriter) {
        self.writer = writer
        self.path = nil
    }

    private static func configuration(readerCacheKiB: Int = PageCache.standard.readerKiB) -> Configuration {
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(10)
        config.label = "unlearn.ledger"
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -\(readerCacheKiB)")
        }
        return config
    }

    /// Creates the file with mode 0600 before SQLite opens it (SQLite gives its
    /// `-wal`/`-shm` files the same mode).
    private static func createOwnerOnly(_ path: String) throws {
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if fd >= 0 {
            close(fd)
        } else if errno != EEXIST {
            throw LedgerError.cannotCreateFile(path: path, errno: errno)
        }
    }

    /// True when a non-empty `-wal` file holds transactions not yet in the database file.
    private static func hasWAL(_ path: String) -> Bool {
        ((try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int ?? 0) > 0
    }

    /// Best effort: the sidecars hold recent transactions, so keep them owner-only too.
    private static func restrictSidecars(of path: String) {
        for suffix in ["-wal", "-shm"] {
            _ = chmod(path + suffix, 0o600)
        }
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction and commits it.
    ///
    /// Immediate, so a read-then-write (such as publish's parent check) cannot be overtaken
    /// by another process between its read and its write.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try Self.translatingErrors(path) { try writer.writeWithoutTransaction { db in
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .commit
            }
            return result!
        } }
    }

    /// Runs `body` on a consistent snapshot.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try Self.translatingErrors(path) { try writer.read(body) }
    }

    /// Runs `body`, turning SQLite's failures of the file itself (damage, contention, a full
    /// disk, I/O) into ``LedgerError/storage(_:path:detail:)``, which names the file and says
    /// what to do. Other errors pass through.
    static func translatingErrors<T>(_ path: String?, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            let file = path ?? "(in-memory ledger)"
            let detail = error.message ?? "SQLite error \(error.resultCode.rawValue)"
            switch error.resultCode.primaryResultCode {
            case .SQLITE_CORRUPT, .SQLITE_NOTADB: throw LedgerError.storage(.damaged, path: file, detail: detail)
            case .SQLITE_BUSY, .SQLITE_LOCKED: throw LedgerError.storage(.busy, path: file, detail: detail)
            case .SQLITE_FULL: throw LedgerError.storage(.full, path: file, detail: detail)
            case .SQLITE_READONLY: throw LedgerError.storage(.readOnly, path: file, detail: detail)
            case .SQLITE_IOERR, .SQLITE_CANTOPEN:
                throw LedgerError.storage(path.map(isNearlyFull) == true ? .full : .io, path: file, detail: detail)
            default: throw error
            }
        }
    }

    /// True when the file system holding `path` has less than 1 MiB free: SQLite reports a
    /// full disk as an I/O error when it cannot grow its shared-memory file.
    private static func isNearlyFull(_ path: String) -> Bool {
        var stats = statvfs()
        let directory = (path as NSString).deletingLastPathComponent
        guard statvfs(directory.isEmpty ? "." : directory, &stats) == 0 else { return false }
        return UInt64(stats.f_bavail) * UInt64(stats.f_frsize) < 1 << 20
    }
}
