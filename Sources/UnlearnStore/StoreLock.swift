import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Advisory locks that keep jobs on one store from colliding. The kernel releases them when a
/// process dies, so a crashed job never leaves a stale lock.
///
/// A whole-store job (train, retrain without `--shard`, recover) holds `retrain.lock` exclusively.
/// A `retrain --shard k` worker holds it shared plus `retrain.shard-k.lock` exclusively, so
/// workers for different shards run at the same time, and never beside a whole-store job.
final class StoreLock {
    enum Scope: Equatable {
        case store
        case shard(Int)
    }

    private var descriptors: [Int32] = []

    init(_ layout: StoreLayout, scope: Scope = .store) throws {
        switch scope {
        case .store:
            try acquire(layout.lockPath, LOCK_EX, busy: "another train or retrain job holds the lock on '\(layout.root)'")
        case .shard(let shard):
            try acquire(layout.lockPath, LOCK_SH, busy: "a whole-store train or retrain job holds the lock on '\(layout.root)'")
            try acquire(layout.shardLockPath(shard), LOCK_EX, busy: "another worker is retraining shard \(shard) of '\(layout.root)'")
        }
    }

    private func acquire(_ path: String, _ mode: Int32, busy: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw UnlearnError(.io, "cannot open '\(path)': \(String(cString: strerror(errno)))") }
        guard flock(fd, mode | LOCK_NB) == 0 else {
            close(fd)
            throw UnlearnError(.busy, busy, hint: "Wait for it to finish; scheduled runs can simply try again later.")
        }
        descriptors.append(fd)
    }

    deinit {
        for fd in descriptors.reversed() {
            flock(fd, LOCK_UN)
            close(fd)
        }
    }
}
