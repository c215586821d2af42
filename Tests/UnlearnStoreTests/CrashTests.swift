import Foundation
import Testing
import UnlearnData
import UnlearnStore

/// SIGKILL the retrainer at each injected point; the store must reopen at its last published
/// version with every acknowledged request kept, and a rerun must finish the job exactly.
@Suite(.serialized)
struct CrashTests {
    static let points = ["mid-write", "mid-write#3", "mid-retrain", "mid-train#2", "before-publish", "after-publish", "mid-purge"]

    @Test(arguments: points)
    func killedRetrainRecoversAndCompletes(point: String) throws {
        let store = try Fixtures.createStore(rows: 240, shards: 3, slices: 4)
        let root = store.layout.root
        let placements = try Fixtures.placements(store, rows: 240)
        let victims = [placements.first { $0.shard == 0 && $0.slice == 1 }!.id, placements.first { $0.shard == 1 && $0.slice == 2 }!.id]
        for id in victims { try CLI.run(["delete", "--store", root, "--id", id]) }
        let before = try store.liveVersion()

        let crashed = try CLI.run(["retrain", "--store", root], environment: ["UNLEARN_CRASH_AT": point])
        #expect(crashed.killed, "the retrain should have been killed at \(point): \(crashed.stderr)")

        // The store opens; the live version is the old one (or the new one once published) and intact.
        let reopened = try Store.open(root)
        let live = try reopened.liveVersion()
        let published = point == "after-publish" || point == "mid-purge"
        #expect(live.version.version == before.version.version + (published ? 1 : 0))
        for path in live.manifest.allPaths {
            let bytes = try AtomicFile.read(reopened.layout.path(path))
            #expect(sha256Hex(bytes) == live.manifest.shards.flatMap { $0.rows + $0.checkpoints }.first { $0.path == path }!.sha256)
        }
        // No acknowledged request is lost.
        let requests = try reopened.audit(AuditQuery())
        #expect(requests.count == 2)
        #expect(requests.allSatisfy { $0.status == (published ? .completed : .pending) })

        // A rerun finishes the job and leaves no orphan or superseded file.
        let rerun = try CLI.run(["retrain", "--store", root])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let final = try reopened.liveVersion()
        #expect(Set(reopened.layout.storeFiles()) == final.manifest.allPaths)
        for id in victims {
            let verify = try CLI.run(["verify", "--store", root, "--id", id, "--replay"])
            #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        }
        #expect(try reopened.ledger.verifyChain().firstBrokenSeq == nil)
    }

    @Test func secondRetrainIsRefusedWhileTheLockIsHeld() throws {
        let store = try Fixtures.createStore(rows: 60, shards: 2, slices: 2)
        let root = store.layout.root
        // Hold the lock from this process the way a running job does.
        let fd = open(store.layout.lockPath, O_RDWR | O_CREAT, 0o600)
        #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
        defer { close(fd) }
        let result = try CLI.run(["retrain", "--store", root])
        #expect(result.status == 75)
        #expect(result.stderr.contains("lock"))
    }
}
