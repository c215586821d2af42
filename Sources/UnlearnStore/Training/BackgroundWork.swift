import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Threads for training, at a CPU priority the process chooses.
///
/// The service answers predictions on the same cores that retrain shards. With equal priority a
/// prediction waits behind two busy training threads for a scheduler slice (milliseconds); at a
/// lower priority the training threads yield when a prediction wakes up. Linux keeps a priority
/// per thread, so only these threads are lowered, never the event loops, and because they are
/// new threads that end with the work, no pooled thread stays lowered (an unprivileged process
/// could not raise it back).
public enum BackgroundWork {
    /// The CPU priority of training threads.
    public enum Priority: Sendable, Equatable {
        /// The process's own.
        case normal
        /// A nice value, 1…19.
        case nice(Int32)
        /// Linux's SCHED_IDLE: the threads run only on a core nothing else wants, and a waking
        /// thread of normal priority takes the core at once (nice 19 elsewhere).
        case idle
    }

    // normal 0, nice 1…19, idle -1.
    private static let priority = Atomic<Int32>(0)

    /// The priority of training threads from now on; `.normal` is the default. `unlearn serve`
    /// sets it (`--retrain-priority`, idle unless told otherwise).
    public static func setPriority(_ value: Priority) {
        switch value {
        case .normal: priority.store(0, ordering: .relaxed)
        case .nice(let n): priority.store(min(max(n, 0), 19), ordering: .relaxed)
        case .idle: priority.store(-1, ordering: .relaxed)
        }
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
        let value = priority.load(ordering: .relaxed)
        Thread.startNamed("unlearn-train", stackSize: 8 << 20) {
            lowerCurrentThread(to: value)
            work()
        }
    }

    private static func lowerCurrentThread(to value: Int32) {
        #if os(Linux)
        // On Linux both calls change the calling thread only. Failure only means the thread
        // keeps the process's priority.
        if value < 0 {
            var parameters = sched_param(sched_priority: 0)
            if sched_setscheduler(0, schedIdle, &parameters) == 0 { return }
        }
        if value != 0 { Thread.setCurrentNice(value < 0 ? 19 : value) }
        #endif
    }

    /// Hands the core to a waiting thread of normal priority, at most every 200 µs, when the
    /// training thread that makes it runs at idle priority; its loop calls `pause()` between
    /// minibatches.
    ///
    /// Why: `perf sched` on the 2-core VM showed an event-loop thread woken onto a core that ran an
    /// idle-priority training thread wait until the next timer tick (up to 4 ms at HZ=250) instead
    /// of taking the core at once. `sched_yield` lets it in; with nothing waiting it returns at once.
    /// A yield changes when the thread runs, never what it computes.
    final class Pacer: @unchecked Sendable {
        // One training thread owns a pacer (a shard's loop), so the time needs no lock.
        private var last: UInt64 = 0
        /// Whether the thread that makes it really runs at idle priority (lowering can fail).
        private let active: Bool = {
            #if os(Linux)
            sched_getscheduler(0) == schedIdle
            #else
            false
            #endif
        }()
        /// How many times it yielded (for tests).
        private(set) var yields = 0

        func pause() {
            #if os(Linux)
            guard active else { return }
            let now = DispatchTime.now().uptimeNanoseconds
            guard now &- last >= 200_000 else { return }
            last = now
            yields += 1
            sched_yield()
            #endif
        }
    }

    /// SCHED_IDLE from <linux/sched.h>, which Glibc's module does not export.
    static let schedIdle: Int32 = 5
}

private final class ClosureBox: @unchecked Sendable {
    // Read by the workers before `DispatchGroup.leave`, cleared after `wait`: never concurrently.
    var body: (@Sendable (Int) -> Void)?
    init(_ body: @escaping @Sendable (Int) -> Void) { self.body = body }
}
