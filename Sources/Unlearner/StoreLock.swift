import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive advisory lock on `retrain.lock`: one training or retraining job per store.
/// The kernel releases it when the process dies, so a crashed job never leaves a stale lock.
final class StoreLock {
    private let fd: Int32

    init(_ layout: StoreLayout, wait: Bool = false) throws {
        fd = open(layout.lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw UnlearnError(.io, "cannot open '\(layout.lockPath)': \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0 {
            close(fd)
            throw UnlearnError(.busy, "another train or retrain job holds the lock on '\(layout.root)'",
                               hint: "Wait for it to finish; scheduled runs can simply try again later.")
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
