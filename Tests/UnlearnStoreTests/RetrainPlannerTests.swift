import Foundation
import Testing
import UnlearnCore
import UnlearnData
import UnlearnLedger
@testable import UnlearnStore

/// The retrain planner is a pure function: these tests build manifests and requests in memory
/// and check the plan against SISA's rules, with no store on disk.
struct RetrainPlannerTests {
    /// A random store shape, its records, pending requests over them, and which records are
    /// already gone from the live rows.
    struct Scenario {
        var manifest: Manifest
        var records: [RecordEntry]
        var requests: [DeletionRequest]
        var stillLive: Set<String>
        var only: Int?
        var epochs: [Int]

        init(seed: UInt64, trained: Bool = true) {
            var rng = SplitMix64(seed: seed)
            let shards = 1 + rng.below(8), slices = 1 + rng.below(6)
            epochs = (0..<slices).map { _ in 1 + rng.below(4) }
            var manifest = Manifest(shards: [])
            var records: [RecordEntry] = []
            for shard in 0..<shards {
                var rows: [Manifest.File] = []
                for slice in 0..<slices {
                    let count = 1 + rng.below(30)
                    rows.append(Manifest.File(path: "shard-\(shard)/slice-\(slice).rows.zst", sha256: "", payloadSHA256: "", rows: count))
                    for _ in 0..<count {
                        let key = String(format: "%016llx%016llx", rng.next(), rng.next())
                        records.append(RecordEntry(key: key, subjectKey: nil, shard: shard, slice: slice))
                    }
                }
                let checkpoints = trained ? rows.map { Manifest.File(path: $0.path + ".ckpt", sha256: "", payloadSHA256: "", rows: nil) } : []
                manifest.shards.append(Manifest.Shard(rows: rows, checkpoints: checkpoints))
            }
            var requests: [DeletionRequest] = []
            for id in 1...(1 + rng.below(6)) {
                // A request's records may repeat another's (a record request and its subject's).
                let covered = (0..<(1 + rng.below(3))).map { _ in records[rng.below(records.count)] }
                requests.append(DeletionRequest(
                    id: Int64(id), targetKind: .subject, targetKey: "s\(id)", receivedAt: Date(timeIntervalSince1970: 0),
                    dueAt: Date(timeIntervalSince1970: 86_400), records: covered))
            }
            // Some records were already removed by an earlier, partly finished run.
            stillLive = Set(requests.flatMap(\.records).map(\.key).filter { _ in rng.below(5) != 0 })
            only = rng.below(3) == 0 ? rng.below(shards) : nil
            self.manifest = manifest
            self.records = records
            self.requests = requests
        }

        var planner: RetrainPlanner { RetrainPlanner(epochsPerSlice: epochs, monolithicEpochs: 7) }

        /// The live pending records this run must remove (inside `only`).
        var toRemove: [RecordEntry] {
            requests.flatMap(\.records).filter { stillLive.contains($0.key) && (only == nil || $0.shard == only) }
        }
    }

    /// The SISA cost written out: retraining slice j trains on slices 0…j, e_j epochs.
    static func oracleCost(sizes: [Int], epochs: [Int], from first: Int) -> Int {
        (first..<sizes.count).reduce(0) { total, j in total + sizes[...j].reduce(0, +) * epochs[j] }
    }

    @Test(arguments: 0..<60)
    func everyLiveRecordIsCoveredAtOrBeforeItsSliceAndNothingElseIsPlanned(seed: Int) throws {
        let scenario = Scenario(seed: UInt64(seed))
        let outcome = scenario.planner.plan(
            requests: scenario.requests, manifest: scenario.manifest, stillLive: scenario.stillLive, only: scenario.only)
        let byShard = Dictionary(grouping: outcome.plan.shards, by: \.shard).mapValues { $0[0] }
        #expect(byShard.count == outcome.plan.shards.count, "a shard is planned once")

        // Every pending live record is covered by a planned shard at or before its slice.
        for record in scenario.toRemove {
            let work = try #require(byShard[record.shard], "record in shard \(record.shard) not planned")
            #expect(work.firstSlice <= record.slice)
            #expect(work.rewrittenSlices.contains(record.slice))
            #expect(outcome.deletions[record.shard]?.contains(RecordKey(hex: record.key)!) == true)
        }
        // No unaffected shard is planned, and no slice is rewritten without a reason.
        let hit = Dictionary(grouping: scenario.toRemove, by: \.shard)
        #expect(Set(byShard.keys) == Set(hit.keys))
        for (shard, work) in byShard {
            let slices = Set(hit[shard]!.map(\.slice))
            #expect(Set(work.rewrittenSlices) == slices)
            #expect(work.rewrittenSlices == work.rewrittenSlices.sorted())
            #expect(work.firstSlice == slices.min())
            #expect(work.records == Set(hit[shard]!.map(\.key)).count)
        }
        // Records outside a `--shard` worker's shard are left, and named as remaining.
        let outside = scenario.requests.flatMap(\.records).filter { scenario.stillLive.contains($0.key) && scenario.only != nil && $0.shard != scenario.only }
        #expect(outcome.remaining == Set(outside.map(\.key)))
        #expect(outcome.plan.requests == scenario.requests.map(\.id))
    }

    @Test(arguments: 0..<60)
    func costEqualsTheSISAScheduleAfterRemoval(seed: Int) {
        let scenario = Scenario(seed: UInt64(seed) &+ 1_000)
        let outcome = scenario.planner.plan(
            requests: scenario.requests, manifest: scenario.manifest, stillLive: scenario.stillLive, only: scenario.only)
        let removed = Dictionary(grouping: Set(scenario.toRemove.map { "\($0.shard) \($0.slice) \($0.key)" }), by: { $0.split(separator: " ").prefix(2).joined(separator: " ") })
        for work in outcome.plan.shards {
            let sizes = scenario.manifest.shards[work.shard].rows.enumerated().map { slice, file in
                file.rows! - (removed["\(work.shard) \(slice)"]?.count ?? 0)
            }
            #expect(work.samplePasses == Self.oracleCost(sizes: sizes, epochs: scenario.epochs, from: work.firstSlice))
            #expect(work.samplePasses == SISASchedule.cost(sliceSizes: sizes, epochs: scenario.epochs, from: work.firstSlice))
        }
        let full = scenario.manifest.shards.reduce(0) { $0 + Self.oracleCost(sizes: $1.rows.map { $0.rows! }, epochs: scenario.epochs, from: 0) }
        #expect(outcome.plan.fullSamplePasses == full)
        #expect(outcome.plan.monolithicSamplePasses == scenario.manifest.liveRows * 7)
        #expect(outcome.plan.samplePasses <= full)
    }

    @Test(arguments: 0..<20)
    func anUntrainedStoreOnlyRewritesRows(seed: Int) {
        let scenario = Scenario(seed: UInt64(seed) &+ 5_000, trained: false)
        let outcome = scenario.planner.plan(
            requests: scenario.requests, manifest: scenario.manifest, stillLive: scenario.stillLive, only: scenario.only)
        #expect(outcome.plan.shards.allSatisfy { $0.samplePasses == 0 })
        #expect(outcome.plan.shards.count == Set(scenario.toRemove.map(\.shard)).count)
    }

    @Test(arguments: 0..<40)
    func aRequestIsCompleteExactlyWhenNoneOfItsRecordsRemains(seed: Int) {
        let scenario = Scenario(seed: UInt64(seed) &+ 9_000)
        let outcome = scenario.planner.plan(
            requests: scenario.requests, manifest: scenario.manifest, stillLive: scenario.stillLive, only: scenario.only)
        let completed = Set(RetrainPlanner.completed(scenario.requests, remaining: outcome.remaining).map(\.id))
        for request in scenario.requests {
            let open = request.records.contains { outcome.remaining.contains($0.key) }
            #expect(completed.contains(request.id) == !open)
        }
        if scenario.only == nil { #expect(completed.count == scenario.requests.count) }
    }

    @Test func nothingLiveMeansAnEmptyPlan() {
        let scenario = Scenario(seed: 3)
        let outcome = scenario.planner.plan(requests: scenario.requests, manifest: scenario.manifest, stillLive: [])
        #expect(outcome.plan.isEmpty)
        #expect(outcome.remaining.isEmpty)
        #expect(outcome.deletions.isEmpty)
    }

    @Test func aWorkedExample() {
        // 2 shards × 3 slices of 10 rows; epochs 1, 2, 3. Delete one record in shard 1, slice 1.
        let file = { (path: String) in Manifest.File(path: path, sha256: "", payloadSHA256: "", rows: 10) }
        let shard = Manifest.Shard(rows: [file("a"), file("b"), file("c")], checkpoints: [file("x"), file("y"), file("z")])
        let manifest = Manifest(shards: [shard, shard])
        let key = String(repeating: "ab", count: 16)
        let request = DeletionRequest(
            id: 9, targetKind: .record, targetKey: key, receivedAt: Date(), dueAt: Date(),
            records: [RecordEntry(key: key, subjectKey: nil, shard: 1, slice: 1)])
        let plan = RetrainPlanner(epochsPerSlice: [1, 2, 3], monolithicEpochs: 2)
            .plan(requests: [request], manifest: manifest, stillLive: [key]).plan
        #expect(plan.shards == [RetrainPlan.ShardWork(shard: 1, firstSlice: 1, records: 1, rewrittenSlices: [1], samplePasses: 19 * 2 + 29 * 3)])
        #expect(plan.fullSamplePasses == 2 * (10 * 1 + 20 * 2 + 30 * 3))
        #expect(plan.monolithicSamplePasses == 60 * 2)
    }
}
