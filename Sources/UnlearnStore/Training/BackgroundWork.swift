import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Threads for training, at a CPU priority the process chooses.
///
/// The service answers predictions on the same cores that retrain shards. With equal priority a
/// prediction waits behind two busy training threads for a scheduler slice (milliseconds); at a
/// higher nice value the training threads yield as soon as a prediction wakes up. Linux keeps a
/// nice value per thread, so only these threads are lowered, never the event loops, and because
/// they are new threads that end with the work, no pooled thread stays lowered (an unprivileged
/// process could not raise it back).
public enum BackgroundWork {
    private static let niceness = Atomic<Int32>(0)

    /// The nice value (0…19) training threads run at from now on; 0, the default, leaves them at
    /// the process's priority. `unlearn serve` sets it (`--retrain-nice`).
    public static func setNiceness(_ value: Int32) {
        niceness.store(min(max(value, 0), 19), ordering: .relaxed)
    }

    /// Runs `body(i)` for every i in 0..<count on up to `width` new threads, and returns when all
    /// have finished.
    static func forEach(_ count: Int, width: Int, _ body: @Sendable (Int) -> Void) {
        guard count > 0 else { return }
        let next = Atomic<Int>(0)
        let done = DispatchGroup()
        withoutActuallyEscaping(body) { body in
            // The threads outlive the last call (they end after `leave`), so they reach the
            // closure through a box that drops it before this returns, as the escape check requires.
            let box = ClosureBox(body)
            for _ in 0..<max(1, min(width, count)) {
                done.enter()
                start {
                    while case let i = next.add(1, ordering: .relaxed).oldValue, i < count { box.body!(i) }
                    done.leave()
                }
            }
            done.wait()
            box.body = nil
        }
    }

    /// Runs `body` on a new thread at the background priority, waits for it, and returns its result.
    public static func wait<T: Sendable>(_ body: @Sendable () throws -> T) throws -> T {
        let result = Mutex<Result<T, any Error>?>(nil)
        forEach(1, width: 1) { _ in
            let outcome = Result { try body() }
            result.withLock { $0 = outcome }
        }
        return try result.withLock { $0! }.get()
    }

    private static func start(_ work: @escaping @Sendable () -> Void) {
        let value = niceness.load(ordering: .relaxed)
        let thread = Thread {
            lowerCurrentThread(to: value)
            work()
        }
        thread.name = "unlearn-train"
        thread.stackSize = 8 << 20
        thread.start()
    }

    private static func lowerCurrentThread(to value: Int32) {
        guard value > 0 else { return }
        #if os(Linux)
        // On Linux, PRIO_PROCESS with id 0 sets the calling thread's nice value only. Failure
        // only means the thread keeps the process's priority.
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, value)
        #endif
    }
}

private final class ClosureBox: @unchecked Sendable {
    // Read by the workers before `DispatchGroup.leave`, cleared after `wait`: never concurrently.
    var body: (@Sendable (Int) -> Void)?
    init(_ body: @escaping @Sendable (Int) -> Void) { self.body = body }
}
