import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Crash-safe file writes: temp file (owner-only), write, fsync, rename, fsync the directory.
/// A reader sees either the old file or the complete new one, never a torn write.
public enum AtomicFile {
    public static let fileMode: mode_t = 0o600
    public static let directoryMode: mode_t = 0o700

    public static func write(_ bytes: [UInt8], to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        guard fd >= 0 else { throw StoreIOError.system("create", temporary, errno) }
        var ok = false
        defer {
            if !ok { unlink(temporary) }
        }
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    let code = errno
                    close(fd)
                    throw StoreIOError.system("write", temporary, code)
                }
                offset += n
            }
        }
        guard fsync(fd) == 0 else {
            let code = errno
            close(fd)
            throw StoreIOError.system("fsync", temporary, code)
        }
        close(fd)
        CrashPoint.hit("mid-write")
        guard rename(temporary, path) == 0 else { throw StoreIOError.system("rename", path, errno) }
        ok = true
        try syncDirectory(directory)
    }

    /// Makes a rename or unlink in `directory` durable.
    public static func syncDirectory(_ directory: String) throws {
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreIOError.system("open directory", directory, errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw StoreIOError.system("fsync directory", directory, errno) }
    }

    /// Makes an existing folder owner-only (0700).
    public static func restrictToOwner(_ directory: String) throws {
        guard chmod(directory, directoryMode) == 0 else { throw StoreIOError.system("chmod", directory, errno) }
    }

    /// Creates `path` and missing parents with owner-only permissions.
    public static func makeDirectory(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw StoreIOError.notADirectory(path) }
            return
        }
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: Int(directoryMode)])
    }

    public static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StoreIOError.missing(path)
        }
        return [UInt8](data)
    }

    /// Removes a file and makes the removal durable; a missing file is not an error.
    public static func remove(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT { throw StoreIOError.system("remove", path, errno) }
    }
}

public enum StoreIOError: Error, CustomStringConvertible, Sendable {
    case system(String, String, Int32)
    case missing(String)
    case notADirectory(String)

    public var description: String {
        switch self {
        case let .system(operation, path, code) where code == ENOSPC || code == EDQUOT:
            return "no space left on the file system of '\(path)' (cannot \(operation) it). Free some space and run "
                + "the command again: the last published version is intact, and 'unlearn recover' removes what this run left"
        case let .system(operation, path, code):
            return "cannot \(operation) '\(path)': \(String(cString: strerror(code)))"
        case let .missing(path):
            return "file '\(path)' is missing"
        case let .notADirectory(path):
            return "'\(path)' exists and is not a directory"
        }
    }
}

/// Fault injection for crash-safety tests: when UNLEARN_CRASH_AT is `name` or `name#N`, the
/// process kills itself with SIGKILL at the first (or N-th) time it reaches that point, exactly
/// as a power cut or an OOM kill would end it.
public enum CrashPoint {
    private static let target: (name: String, hit: Int)? = {
        guard let value = ProcessInfo.processInfo.environment["UNLEARN_CRASH_AT"], !value.isEmpty else { return nil }
        let parts = value.split(separator: "#")
        return (String(parts[0]), parts.count > 1 ? Int(parts[1]) ?? 1 : 1)
    }()
    private static let hits = Mutex<[String: Int]>([:])

    private static let pauseTarget: (name: String, seconds: Double)? = {
        guard let value = ProcessInfo.processInfo.environment["UNLEARN_PAUSE_AT"] else { return nil }
        let parts = value.split(separator: "=")
        guard parts.count == 2, let seconds = Double(parts[1]) else { return nil }
        return (String(parts[0]), seconds)
    }()

    /// Sleeps when UNLEARN_PAUSE_AT is `name=seconds`: lets tests line up two jobs deterministically.
    public static func pause(_ name: String) {
        if let pauseTarget, pauseTarget.name == name { Thread.sleep(forTimeInterval: pauseTarget.seconds) }
    }

    public static func hit(_ name: String) {
        pause(name)
        guard let target, target.name == name else { return }
        let count = hits.withLock { counts in
            counts[name, default: 0] += 1
            return counts[name]!
        }
        if count == target.hit { kill(getpid(), SIGKILL) }
    }
}
