/// Errors thrown by `Ledger`; each message says what went wrong and what to do.
///
/// Messages name keys only by a short prefix (keys are already keyed hashes, never raw ids).
public enum LedgerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No record in the index has this key.
    case unknownRecord(key: String)
    /// No record ever had this subject key.
    case unknownSubject(key: String)
    /// `publish` was built on `expected`, but the latest version is `found`.
    case staleParent(expected: Int?, found: Int?)
    /// `insertRecords` met a key that is already indexed (or repeated in the batch).
    case duplicateRecordKey(key: String)
    case unknownRequest(id: Int64)
    /// `publish` was asked to complete a request that is not pending.
    case requestNotPending(id: Int64, status: RequestStatus)
    /// `publish` was asked to complete a request without giving its receipt.
    case missingReceipt(requestID: Int64)
    case unknownJob(id: Int64)
    /// No callback outbox row with this id.
    case unknownCallback(id: Int64)
    /// The job was already finished (for example abandoned by crash recovery).
    case jobNotRunning(id: Int64, status: JobStatus)
    /// The ledger file could not be created owner-only.
    case cannotCreateFile(path: String, errno: Int32)
    /// A stored value breaks the schema's rules (the file was edited outside the ledger).
    case corrupt(String)
    /// SQLite could not do its work on the file: see ``StorageFailure``.
    case storage(StorageFailure, path: String, detail: String)

    /// Why SQLite failed, as an operator acts on it.
    public enum StorageFailure: String, Sendable, Hashable {
        /// The file is damaged or is not a database.
        case damaged
        /// Another process holds the database longer than the busy timeout; try again.
        case busy
        /// No space is left on the file system.
        case full
        /// Any other I/O failure.
        case io
        /// A write through a ledger opened with `init(readingOnly:)`.
        case readOnly
    }

    public var description: String {
        switch self {
        case .unknownRecord(let key):
            return "No record with key \(Self.short(key)) in the ledger. Check the id (and the store it belongs to)."
        case .unknownSubject(let key):
            return "No record has subject key \(Self.short(key)). Check the subject id, or delete by record id."
        case .staleParent(let expected, let found):
            return "Cannot publish: built on version \(Self.text(expected)) but the latest is \(Self.text(found)). "
                + "Another job published first; plan and retrain again."
        case .duplicateRecordKey(let key):
            return "Record key \(Self.short(key)) is already in the ledger (or repeated in the batch); nothing was inserted."
        case .unknownRequest(let id):
            return "No deletion request \(id) in the ledger."
        case .requestNotPending(let id, let status):
            return "Deletion request \(id) is \(status.rawValue), not pending; it cannot be completed again."
        case .missingReceipt(let id):
            return "No receipt given for deletion request \(id); every completed request needs one."
        case .unknownJob(let id):
            return "No retrain job \(id) in the ledger."
        case .unknownCallback(let id):
            return "No callback \(id) in the outbox. List them with 'unlearn callbacks list'."
        case .jobNotRunning(let id, let status):
            return "Retrain job \(id) is \(status), not running. Start a new job and retrain again."
        case .cannotCreateFile(let path, let code):
            return "Cannot create ledger file '\(path)' (errno \(code)). Check that the directory exists and is writable."
        case .corrupt(let detail):
            return "The ledger is corrupt: \(detail). Run 'unlearn audit verify' and restore from a backup."
        case .storage(.damaged, let path, let detail):
            return "'\(path)' is damaged (\(detail)). Run 'unlearn doctor' and restore the ledger from a backup."
        case .storage(.busy, let path, _):
            return "'\(path)' is busy: another process holds it. Try again; scheduled jobs can simply retry."
        case .storage(.full, let path, _):
            return "no space left on the file system of '\(path)'. Free some space (old backups, logs, "
                + "'unlearn recover' removes leftover model files) and run the command again; nothing was lost."
        case .storage(.readOnly, let path, _):
            return "'\(path)' was opened for reading only; this command needs to write."
        case .storage(.io, let path, let detail):
            return "I/O error on '\(path)' (\(detail)); if the disk is full, free some space and run the command again."
        }
    }

    /// A key shortened for messages: its first 8 characters.
    static func short(_ key: String) -> String {
        key.count > 8 ? "\(key.prefix(8))…" : key
    }

    private static func text(_ version: Int?) -> String {
        version.map(String.init) ?? "none"
    }
}
