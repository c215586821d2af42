import Foundation
import Testing
import UnlearnCore
import UnlearnData
import UnlearnLedger
@testable import UnlearnStore

/// The publisher in process: a `--shard` worker that lost the race rebases onto the newer
/// version, with no subprocesses or pause hooks.
struct PublisherTests {
    /// Rebuilds `shard` for every pending request as a `--shard` worker does, on `base`.
    func rebuild(_ store: Store, shard: Int, base: PublishedVersion) throws -> (RetrainPlanner.Outcome, [Int: Manifest.Shard]) {
        let pending = try store.ledger.pendingRequests()
        let outcome = try store.plan(pending, manifest: base.manifest, only: shard)
        let work = try #require(outcome.plan.shards.first)
        let files = try store.unlearnShard(
            work, removing: outcome.deletions[shard]!, live: base.manifest, generation: base.version.version + 1, progress: nil)
        return (outcome, [shard: files])
    }

    @Test func aWorkerThatLostTheRaceRebasesOntoTheNewerVersion() throws {
        let store = try Fixtures.createStore(rows: 160, shards: 2, slices: 3)
        let placements = try Fixtures.placements(store, rows: 160)
        let inShard0 = placements.first { $0.shard == 0 && $0.slice == 1 }!.id
        let inShard1 = placements.first { $0.shard == 1 && $0.slice == 2 }!.id
        _ = try store.requestDeletion([.record(inShard0), .record(inShard1)], requestedBy: nil, reason: nil)
        let stale = try store.liveVersion()
        let pending = try store.ledger.pendingRequests()

        // The shard-1 worker rebuilds on `stale`; meanwhile a shard-0 worker publishes first.
        let (outcome, rebuilt) = try rebuild(store, shard: 1, base: stale)
        let first = try store.retrain(RetrainPolicy(shard: 0), showProgress: false)
        #expect(first.completedRequests.count == 1)
        let newer = try store.liveVersion()
        #expect(newer.version.version == stale.version.version + 1)

        let job = try store.ledger.startJob(kind: .retrain, plan: outcome.plan.json(), worker: "test", at: Date())
        let published = try store.publisher.publishRetrain(
            rebuilt: rebuilt, base: stale, pending: pending, remaining: outcome.remaining, plan: outcome.plan, job: job,
            started: Date(), shard: 1, liveKeys: store.liveKeys(of:in:))
        #expect(published.version.version == newer.version.version + 1, "published on top of the newer version")
        let key1 = store.key(ofRecord: inShard1).hex
        #expect(published.completed.map(\.id) == pending.filter { $0.records.contains { $0.key == key1 } }.map(\.id))
        let live = try store.liveVersion().manifest
        #expect(live.shards[0] == newer.manifest.shards[0], "the other worker's shard is kept")
        #expect(live.shards[1] == rebuilt[1], "this worker's shard is published")
        #expect(try store.ledger.pendingRequests().isEmpty)
        for id in [inShard0, inShard1] {
            let report = try store.verify(id: id, replay: true)
            #expect(report.passed, "\(report.checks.filter { !$0.passed })")
        }
        #expect(Set(store.layout.storeFiles()) == live.allPaths, "superseded files of shard 1 purged")
    }

    @Test func aShardThatChangedUnderItsLockIsRefused() throws {
        let store = try Fixtures.createStore(rows: 120, shards: 2, slices: 2)
        let placements = try Fixtures.placements(store, rows: 120)
        _ = try store.requestDeletion([.record(placements.first { $0.shard == 0 }!.id)], requestedBy: nil, reason: nil)
        let stale = try store.liveVersion()
        let pending = try store.ledger.pendingRequests()
        let (outcome, rebuilt) = try rebuild(store, shard: 0, base: stale)
        _ = try store.retrain(showProgress: false)   // a whole-store job changed shard 0 meanwhile

        let job = try store.ledger.startJob(kind: .retrain, plan: outcome.plan.json(), worker: "test", at: Date())
        #expect(throws: UnlearnError.self) {
            try store.publisher.publishRetrain(
                rebuilt: rebuilt, base: stale, pending: pending, remaining: outcome.remaining, plan: outcome.plan, job: job,
                started: Date(), shard: 0, liveKeys: store.liveKeys(of:in:))
        }
        // A whole-store publisher never rebases: a stale parent is an error from the ledger.
        #expect(throws: LedgerError.self) {
            try store.publisher.publishRetrain(
                rebuilt: rebuilt, base: stale, pending: pending, remaining: outcome.remaining, plan: outcome.plan, job: job,
                started: Date(), shard: nil, liveKeys: store.liveKeys(of:in:))
        }
    }
}

/// Ledger JSON comes from one writer; it must read back as the typed values, and write what a
/// sorted-keys encoder writes.
struct LedgerJSONTests {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    @Test func manifestPlanAndReceiptRoundTripAndMatchASortedKeysEncoder() throws {
        let store = try Fixtures.createStore(rows: 120, shards: 3, slices: 2)
        let id = try Fixtures.placements(store, rows: 120)[5].id
        _ = try store.requestDeletion([.record(id)], requestedBy: nil, reason: nil)
        let report = try store.retrain(showProgress: false)
        let live = try store.liveVersion()

        let manifest = live.manifest
        #expect(try JSONDecoder().decode(Manifest.self, from: Data(manifest.json().utf8)) == manifest)
        #expect(manifest.json() == String(decoding: try Self.encoder().encode(manifest), as: UTF8.self))
        #expect(live.version.manifest == manifest.json())

        let plan = try #require(report.plan)
        #expect(try JSONDecoder().decode(RetrainPlan.self, from: Data(plan.json().utf8)) == plan)
        #expect(plan.json() == String(decoding: try Self.encoder().encode(plan), as: UTF8.self))
        #expect(try store.ledger.job(id: report.job!)?.plan == plan.json())

        let stored = try #require(try store.ledger.request(id: report.completedRequests[0])?.receipt)
        let receipt = try JSONDecoder().decode(Receipt.self, from: Data(stored.utf8))
        #expect(receipt.json() == stored)
        #expect(stored == String(decoding: try Self.encoder().encode(receipt), as: UTF8.self))
        #expect(receipt.version == live.version.version)
        #expect(receipt.records.allSatisfy { $0.key.count == 12 }, "key prefixes only")
        #expect(!receipt.replaced.isEmpty)
    }

    @Test func jobsAndVersionsCarryTypedKinds() throws {
        let store = try Fixtures.createStore(rows: 90, shards: 3, slices: 2)
        let versions = try store.ledger.versions()
        #expect(versions.map(\.kind) == [.imported, .train])
        let jobs = try store.ledger.jobs(limit: 10)
        #expect(jobs.map(\.kind) == [.train])
        #expect(jobs.map(\.status) == [.completed])
        let kinds = try store.ledger.events().map(\.kind)
        #expect(kinds.contains(.storeCreated) && kinds.contains(.jobStarted) && kinds.contains(.versionPublished))
    }
}

/// `eval` reports how long the live ensemble took to train: a one-shard rebuild afterwards does
/// not stand in for the whole ensemble's training time.
struct EnsembleTrainingTimeTests {
    @Test func evalAfterTrainShardShowsTheEnsemblesTrainingTime() throws {
        let store = try Fixtures.createStore(rows: 200, shards: 4, slices: 2)
        let full = try #require(try store.ensembleTraining())
        let fullJob = try #require(try store.ledger.job(id: full.job))
        #expect(fullJob.kind == .train)
        #expect(full.seconds == fullJob.seconds)

        #expect(try CLI.run(["train", "--store", store.layout.root, "--shard", "2"]).status == 0)
        let shardJob = try #require(try store.ledger.jobs(limit: 1).first)
        #expect(shardJob.kind == .train && shardJob.id != full.job)

        let directory = try Fixtures.temporaryDirectory()
        let test = try Fixtures.testCSV(rows: 30, in: directory)
        let eval = try CLI.run(["eval", "--store", store.layout.root, "--data", test.path, "--json"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
        let training = try #require(object["training"] as? [String: Any])
        #expect(training["job"] as? Int == Int(full.job), "not the one-shard job \(shardJob.id)")
        // JSON text keeps 17 significant digits; the parse may differ in the last one.
        #expect(abs((training["seconds"] as? Double ?? -1) - full.seconds) < 1e-12)
        #expect(training["version"] as? Int == full.version)

        let table = try CLI.run(["eval", "--store", store.layout.root, "--data", test.path])
        #expect(table.stdout.contains(String(format: "%8.2f s", full.seconds)))

        // A new full training becomes the ensemble's training.
        _ = try store.train(showProgress: false)
        #expect(try store.ensembleTraining()?.version == store.liveVersion().version.version)
    }
}
