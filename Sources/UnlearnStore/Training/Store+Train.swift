import Foundation
import UnlearnCore
import UnlearnLedger
import UnlearnData

/// What a training run did.
public struct TrainReport: Sendable, Codable {
    public var version: Int
    public var shards: [Int]
    public var samples: Int
    public var seconds: Double
}

extension Store {
    /// Trains every shard (or one) from scratch on its live rows and publishes a new version.
    public func train(shard only: Int? = nil, showProgress: Bool = true) throws -> TrainReport {
        let lock = try StoreLock(layout)
        defer { withExtendedLifetime(lock) {} }
        try recover()
        let live = try liveVersion()
        let shards = try [Int].shards(config.shards, only: only)
        guard only == nil || live.manifest.isTrained else {
            throw UnlearnError(.usage, "--shard needs a trained store", hint: "Run 'unlearn train --store \(layout.root)' without --shard first.")
        }
        let trainer = config.trainer
        let costs = shards.map { shard in
            SISASchedule.cost(sliceSizes: RetrainPlanner.sliceSizes(live.manifest, shard: shard), epochs: trainer.epochsPerSlice, from: 0)
        }
        let plan = TrainPlan(shards: shards, samplePasses: costs.reduce(0, +))
        let jobID = try ledger.startJob(kind: .train, plan: plan.json(), worker: workerName, at: Date())
        let started = Date()
        let generation = live.version.version + 1
        let checkpoints = try runShards(shards, title: "train", samples: costs.reduce(0, +), job: jobID, showProgress: showProgress) { shard, progress in
            try self.trainShard(shard, files: live.manifest.shards[shard], from: 0, state: trainer.initialState(shard: shard), generation: generation, progress: progress)
        }
        var manifest = live.manifest
        for (shard, files) in checkpoints { manifest.shards[shard].checkpoints = files }
        let seconds = Date().timeIntervalSince(started)
        let (published, _) = try publisher.publish(manifest, parent: live.version, kind: .train, job: jobID, jobSeconds: seconds)
        logger.info("trained", metadata: ["version": "\(published.version)", "shards": "\(shards.count)", "seconds": "\(seconds)"])
        return TrainReport(version: published.version, shards: shards, samples: costs.reduce(0, +), seconds: seconds)
    }

    /// Trains slices `first`..<R of `shard` from `state`, writing a checkpoint per slice.
    /// Returns the manifest's checkpoint list for the shard: kept ones before `first`, new ones after.
    func trainShard(
        _ shard: Int, files shardFiles: Manifest.Shard, from first: Int, state: TrainingState, generation: Int, progress: ProgressDisplay?
    ) throws -> [Manifest.File] {
        let rowFiles = shardFiles.rows
        let data = try rowFiles.map { try files.readSlice($0) }
        let lineage = rowFiles.map(\.payloadSHA256)
        var checkpoints = Array(shardFiles.checkpoints.prefix(first))
        let pacer = BackgroundWork.Pacer()
        try config.trainer.train(shard: shard, data: data, from: first, state: state, progress: {
            progress?.add(samples: $0)
            pacer.pause()
        }) { slice, state in
            CrashPoint.hit("mid-train")
            checkpoints.append(try files.writeCheckpoint(state, shard: shard, slice: slice, generation: generation, trainedOn: Array(lineage[...slice])))
        }
        return checkpoints
    }

    /// Runs `work` for each shard in parallel under a progress display; a failure marks the job failed.
    func runShards<T: Sendable>(
        _ shards: [Int], title: String, samples: Int, job: Int64, showProgress: Bool,
        _ work: @escaping @Sendable (Int, ProgressDisplay) throws -> T
    ) throws -> [Int: T] {
        let progress = ProgressDisplay(title: title, totalSamples: samples, totalShards: shards.count, enabled: showProgress && isatty(STDOUT_FILENO) == 1)
        defer { progress.finish() }
        do {
            return try ShardPool.run(shards) { shard in
                let result = try work(shard, progress)
                progress.shardDone()
                return result
            }
        } catch {
            try? ledger.failJob(id: job, error: "\(error)", at: Date())
            throw error
        }
    }

}
