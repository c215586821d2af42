import Foundation
import Synchronization
import UnlearnCore

/// Runs per-shard work in parallel, one shard per core, each with a single-threaded BLAS.
///
/// Shards are independent by construction (SISA's isolation), so this is the natural unit of
/// parallelism: no shared state, and results do not depend on scheduling.
enum ShardPool {
    static func run<T: Sendable>(_ shards: [Int], _ work: @Sendable (Int) throws -> T) throws -> [Int: T] {
        BLAS.useSingleThread()
        let results = Mutex<[Int: T]>([:])
        let failures = Mutex<[(Int, any Error)]>([])
        // Own threads rather than Dispatch's pool, so the service can lower their priority.
        BackgroundWork.forEach(shards.count, width: ProcessInfo.processInfo.activeProcessorCount) { index in
            let shard = shards[index]
            do {
                let value = try work(shard)
                results.withLock { $0[shard] = value }
            } catch {
                failures.withLock { $0.append((shard, error)) }
            }
        }
        if let (_, error) = failures.withLock({ $0.min { $0.0 < $1.0 } }) { throw error }
        return results.withLock { $0 }
    }
}
