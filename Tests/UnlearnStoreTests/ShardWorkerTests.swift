import Foundation
import Testing
import UnlearnData
import UnlearnStore

/// `retrain --shard k` workers for different shards run at the same time; the one that publishes
/// second rebases onto the first one's version. A whole-store job is refused meanwhile.
struct ShardWorkerTests {
    @Test func twoShardWorkersRunConcurrentlyAndBothPublish() throws {
        let store = try Fixtures.createStore(rows: 180, shards: 3, slices: 2)
        let root = store.layout.root
        let placements = try Fixtures.placements(store, rows: 180)
        let a = placements.first { $0.shard == 0 }!.id, b = placements.first { $0.shard == 2 }!.id
        // One subject spanning shards 0 and 2 (and no other) completes only when both workers are done.
        let spanning = (0..<60).first { h in Set((0..<3).map { placements[h * 3 + $0].shard }) == [0, 2] }
        for id in [a, b] { #expect(try CLI.run(["delete", "--store", root, "--id", id]).status == 0) }
        if let spanning { #expect(try CLI.run(["delete", "--store", root, "--subject", "household-\(spanning)"]).status == 0) }
        let before = try store.liveVersion().version.version

        // Worker 0 pauses just before publishing; worker 2 starts meanwhile and publishes first.
        let slow = Process()
        slow.executableURL = URL(fileURLWithPath: CLI.binary)
        slow.arguments = ["retrain", "--store", root, "--shard", "0"]
        slow.environment = ProcessInfo.processInfo.environment.merging(["UNLEARN_PAUSE_AT": "before-publish=2"]) { $1 }
        slow.standardOutput = FileHandle.nullDevice
        try slow.run()
        Thread.sleep(forTimeInterval: 0.6)
        let whole = try CLI.run(["retrain", "--store", root])
        #expect(whole.status == 75, "a whole-store retrain must wait for shard workers: \(whole.stdout)\(whole.stderr)")
        let fast = try CLI.run(["retrain", "--store", root, "--shard", "2"])
        #expect(fast.status == 0, "\(fast.stderr)")
        #expect(try store.liveVersion().version.version == before + 1, "worker 2 published while worker 0 was still running")
        slow.waitUntilExit()
        #expect(slow.terminationStatus == 0)

        let live = try store.liveVersion()
        #expect(live.version.version == before + 2)
        #expect(try store.status().pendingRequests == 0)
        #expect(Set(store.layout.storeFiles()) == live.manifest.allPaths, "no orphaned or superseded files")
        var ids = [a, b]
        if let spanning { ids += (0..<3).map { "person-\(spanning * 3 + $0)" } }
        for id in ids {
            let verify = try CLI.run(["verify", "--store", root, "--id", id, "--replay"])
            #expect(verify.status == 0, "\(id): \(verify.stdout)")
        }
    }

    @Test func killedShardWorkerIsRecoveredByTheNextWorkerOfThatShard() throws {
        let store = try Fixtures.createStore(rows: 120, shards: 2, slices: 2)
        let root = store.layout.root
        let placements = try Fixtures.placements(store, rows: 120)
        let id = placements.first { $0.shard == 0 && $0.slice == 0 }!.id
        #expect(try CLI.run(["delete", "--store", root, "--id", id]).status == 0)
        let crashed = try CLI.run(["retrain", "--store", root, "--shard", "0"], environment: ["UNLEARN_CRASH_AT": "mid-train#2"])
        #expect(crashed.killed)
        #expect(Set(store.layout.storeFiles()) != (try store.liveVersion().manifest.allPaths), "the crash left unpublished files")
        #expect(try CLI.run(["retrain", "--store", root, "--shard", "0"]).status == 0)
        #expect(Set(store.layout.storeFiles()) == (try store.liveVersion().manifest.allPaths))
        #expect(try CLI.run(["verify", "--store", root, "--id", id, "--replay"]).status == 0)
        // The killed worker's job is marked failed by the next whole-store recovery.
        #expect(try store.ledger.jobs(limit: 10).contains { $0.status == .running })
        #expect(try CLI.run(["recover", "--store", root]).status == 0)
        #expect(try !store.ledger.jobs(limit: 10).contains { $0.status == .running })
    }
}
