// Shared by every libFuzzer harness in Fuzz/ (built by ops/fuzz/run.sh, not by SwiftPM).
// The importers read files, so each input is written to a scratch file on a RAM disk first.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

enum FuzzScratch {
    /// $FUZZ_TMPDIR (ops/fuzz/run.sh sets and removes it), else a per-process folder in /dev/shm.
    static let directory: String = {
        if let dir = ProcessInfo.processInfo.environment["FUZZ_TMPDIR"], !dir.isEmpty {
            mkdir(dir, 0o700)
            return dir
        }
        let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : NSTemporaryDirectory()
        let dir = "\(base)/unlearn-fuzz-\(getpid())"
        mkdir(dir, 0o700)
        return dir
    }()

    /// Writes `bytes` to `directory/name` (truncating) and returns its URL.
    static func write(_ name: String, _ bytes: UnsafeRawBufferPointer) -> URL {
        let path = "\(directory)/\(name)"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(fd >= 0, "cannot create \(path): errno \(errno)")
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 && errno == EINTR { continue }
            precondition(n > 0, "cannot write \(path): errno \(errno)")
            done += n
        }
        return URL(fileURLWithPath: path)
    }

    static func write(_ name: String, _ bytes: [UInt8]) -> URL {
        bytes.withUnsafeBytes { write(name, $0) }
    }
}
