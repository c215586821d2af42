import UnlearnCore
import UnlearnData
import UnlearnLedger

/// Decides the least work that unlearns the pending requests: a pure function of the requests,
/// the live manifest and which of their records the live rows still hold. No disk, no ledger.
///
/// SISA's rule: a shard holding a deleted record retrains from the earliest slice that held one
/// (the checkpoint before it is untouched by the record); every other shard keeps its files.
public struct RetrainPlanner: Sendable {
    /// Training epochs of each slice (the SISA schedule), as the store's trainer runs them.
    public var epochsPerSlice: [Int]
    /// e₀: epochs of the monolithic model the plan is compared with.
    public var monolithicEpochs: Int

    public init(epochsPerSlice: [Int], monolithicEpochs: Int) {
        self.epochsPerSlice = epochsPerSlice
        self.monolithicEpochs = monolithicEpochs
    }

    /// A plan and what it removes.
    public struct Outcome: Sendable, Equatable {
        public var plan: RetrainPlan
        /// Keys to remove from each planned shard's rows.
        public var deletions: [Int: Set<RecordKey>]
        /// Record keys (hex) still live that this run leaves alone (outside `only`).
        public var remaining: Set<String>
    }

    /// Plans the removal of every record of `requests` that is still in the live rows.
    ///
    /// - Parameters:
    ///   - requests: The pending requests, with their records' shards and slices.
    ///   - manifest: The live version's files (slice sizes come from its row counts).
    ///   - stillLive: The hex keys among the requests' records that a live row file still holds;
    ///     others are already gone (a partly finished `--shard` run) and need no work.
    ///   - only: A `--shard` worker's shard; records elsewhere become `remaining`.
    public func plan(requests: [DeletionRequest], manifest: Manifest, stillLive: Set<String>, only: Int? = nil) -> Outcome {
        var deletions: [Int: Set<RecordKey>] = [:]
        var slicesHit: [Int: Set<Int>] = [:]
        var removedBySlice: [Int: [Int: Set<String>]] = [:]
        var remaining = Set<String>()
        for record in requests.flatMap(\.records) where stillLive.contains(record.key) {
            guard let key = RecordKey(hex: record.key) else { continue }
            guard only == nil || record.shard == only else {
                remaining.insert(record.key)
                continue
            }
            deletions[record.shard, default: []].insert(key)
            slicesHit[record.shard, default: []].insert(record.slice)
            removedBySlice[record.shard, default: [:]][record.slice, default: []].insert(record.key)
        }
        var work: [RetrainPlan.ShardWork] = []
        for (shard, slices) in slicesHit.sorted(by: { $0.key < $1.key }) {
            var sizes = Self.sliceSizes(manifest, shard: shard)
            for (slice, keys) in removedBySlice[shard] ?? [:] { sizes[slice] -= keys.count }
            let first = slices.min()!
            work.append(RetrainPlan.ShardWork(
                shard: shard, firstSlice: first, records: deletions[shard]!.count, rewrittenSlices: slices.sorted(),
                samplePasses: manifest.isTrained ? SISASchedule.cost(sliceSizes: sizes, epochs: epochsPerSlice, from: first) : 0))
        }
        let full = manifest.shards.indices.reduce(0) { total, shard in
            total + SISASchedule.cost(sliceSizes: Self.sliceSizes(manifest, shard: shard), epochs: epochsPerSlice, from: 0)
        }
        let plan = RetrainPlan(
            requests: requests.map(\.id), shards: work, fullSamplePasses: full,
            monolithicSamplePasses: manifest.liveRows * monolithicEpochs)
        return Outcome(plan: plan, deletions: deletions, remaining: remaining)
    }

    /// The requests none of whose records is among the `remaining` live keys: a version that
    /// carries out the plan completes them.
    public static func completed(_ requests: [DeletionRequest], remaining: Set<String>) -> [DeletionRequest] {
        requests.filter { request in request.records.allSatisfy { !remaining.contains($0.key) } }
    }

    static func sliceSizes(_ manifest: Manifest, shard: Int) -> [Int] {
        manifest.shards[shard].rows.map { $0.rows ?? 0 }
    }
}
