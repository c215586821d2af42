import Foundation
import Synchronization
import Testing
@testable import UnlearnStore
#if canImport(Glibc)
import Glibc
#endif

/// Training threads: every shard index runs exactly once, results and errors come back, and the
/// nice value applies to the training threads only.
@Suite(.serialized) struct BackgroundWorkTests {
    @Test(arguments: [(0, 2), (1, 2), (7, 1), (7, 3), (20, 2), (5, 8)])
    func everyIndexRunsExactlyOnce(count: Int, width: Int) {
        let seen = Mutex([Int](repeating: 0, count: count))
        BackgroundWork.forEach(count, width: width) { i in seen.withLock { $0[i] += 1 } }
        #expect(seen.withLock { $0 } == [Int](repeating: 1, count: count))
    }

    @Test func waitReturnsTheResultAndRethrows() throws {
        #expect(try BackgroundWork.wait { 6 * 7 } == 42)
        struct Boom: Error {}
        #expect(throws: Boom.self) { try BackgroundWork.wait { () throws -> Int in throw Boom() } }
    }

    #if os(Linux)
    @Test func trainingThreadsRunAtTheChosenNiceValueAndTheCallerKeepsItsOwn() throws {
        let before = Thread.currentNice
        BackgroundWork.setPriority(.nice(7))
        defer { BackgroundWork.setPriority(.normal) }
        let seen = try BackgroundWork.wait { Thread.currentNice }
        if before <= 7 { #expect(seen == 7) }
        #expect(Thread.currentNice == before)
        BackgroundWork.setPriority(.normal)
        #expect(try BackgroundWork.wait { Thread.currentNice } == before)
    }

    /// A thread's nice value moves alone: lowering always works, raising only with privilege.
    @Test func setCurrentNiceChangesTheCallingThreadOnly() throws {
        let before = Thread.currentNice
        let seen = try BackgroundWork.wait { () -> (raised: Bool, afterRaise: Int32, lowered: Bool, afterLower: Int32) in
            let raised = Thread.setCurrentNice(before - 3)
            let afterRaise = Thread.currentNice
            let lowered = Thread.setCurrentNice(before + 5)
            return (raised, afterRaise, lowered, Thread.currentNice)
        }
        #expect(seen.afterRaise == (seen.raised ? before - 3 : before))
        if geteuid() == 0 { #expect(seen.raised) }
        #expect(seen.lowered && seen.afterLower == before + 5)
        #expect(Thread.currentNice == before)
    }

    @Test func idleTrainingThreadsRunUnderSchedIdleAndTheCallerKeepsItsPolicy() throws {
        let before = sched_getscheduler(0)
        BackgroundWork.setPriority(.idle)
        defer { BackgroundWork.setPriority(.normal) }
        #expect(try BackgroundWork.wait { sched_getscheduler(0) } == BackgroundWork.schedIdle)
        #expect(sched_getscheduler(0) == before)
        BackgroundWork.setPriority(.normal)
        #expect(try BackgroundWork.wait { sched_getscheduler(0) } == before)
    }

    /// At idle priority a training loop's pauses yield, at most once per 200 µs; otherwise never.
    @Test func pausesYieldOnlyAtIdlePriorityAndAtMostEvery200Microseconds() throws {
        func run() throws -> (yields: Int, nanoseconds: UInt64) {
            try BackgroundWork.wait {
                let pacer = BackgroundWork.Pacer()
                let start = DispatchTime.now().uptimeNanoseconds
                var now = start
                // At least 5 ms and two yields: an idle thread on a busy machine may get no core
                // for tens of milliseconds (bounded at 2 s).
                while (now - start < 5_000_000 || pacer.yields < 2) && now - start < 2_000_000_000 {
                    pacer.pause()
                    now = DispatchTime.now().uptimeNanoseconds
                }
                return (pacer.yields, now - start)
            }
        }
        BackgroundWork.setPriority(.idle)
        defer { BackgroundWork.setPriority(.normal) }
        let idle = try run()
        #expect(idle.yields >= 2 && UInt64(idle.yields) <= idle.nanoseconds / 200_000 + 1, "\(idle)")
        BackgroundWork.setPriority(.nice(5))
        #expect(try run().yields == 0)
        BackgroundWork.setPriority(.normal)
        #expect(try run().yields == 0)
    }
    #endif

    /// The kernel sees the thread's name (`top -H`, `perf`): it is set from inside the thread.
    @Test func trainingThreadsCarryTheirNameInTheKernel() throws {
        let comm = try BackgroundWork.wait { try String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8) }
        #expect(comm == "unlearn-train\n")
        let seen = Mutex<String?>(nil), done = DispatchSemaphore(value: 0)
        Thread.startNamed("unlearn-test-x") {
            seen.withLock { $0 = try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8) }
            done.signal()
        }
        done.wait()
        #expect(seen.withLock { $0 } == "unlearn-test-x\n")
    }
}
