import Foundation
import UnlearnCore
import UnlearnLedger
import UnlearnData

/// How a retrain run ended.
public enum RetrainOutcome: String, Sendable, Codable {
    /// No pending request (or none in this worker's shard).
    case nothingToDo = "nothing-to-do"
    /// A policy condition is not met yet.
    case deferred
    /// A new version was published.
    case completed
}

/// What a retrain run did.
public struct RetrainReport: Sendable, Codable {
    public var status: RetrainOutcome
    public var reason: String?
    public var version: Int?
    public var job: Int64?
    public var plan: RetrainPlan?
    public var completedRequests: [Int64] = []
    public var purgedFiles: [String] = []
    public var seconds: Double = 0

    enum CodingKeys: String, CodingKey {
        case status, reason, version, job, plan, seconds
        case completedRequests = "completed_requests"
        case purgedFiles = "purged_files"
    }
}

extension Store {
    /// Unlearns every pending request: plans the work, rewrites the affected row files without
    /// the deleted records, retrains each affected shard from the checkpoint before its first
    /// affected slice, publishes a new version in one ledger transaction, and only then removes
    /// superseded files.
    public func retrain(_ policy: RetrainPolicy = RetrainPolicy(), now: Date = Date(), showProgress: Bool = true) throws -> RetrainReport {
        let lock = try StoreLock(layout, scope: policy.shard.map(StoreLock.Scope.shard) ?? .store)
        defer { withExtendedLifetime(lock) {} }
        if let shard = policy.shard { _ = try [Int].shards(config.shards, only: shard) }
        try recover(shard: policy.shard)
        let pending = try ledger.pendingRequests()
        guard !pending.isEmpty else { return RetrainReport(status: .nothingToDo, reason: "no pending requests") }
        if let reason = policy.deferral(pending, now: now) { return RetrainReport(status: .deferred, reason: reason) }

        let live = try liveVersion()
        let outcome = try plan(pending, manifest: live.manifest, only: policy.shard)
        let plan = outcome.plan
        if plan.isEmpty && RetrainPlanner.completed(pending, remaining: outcome.remaining).isEmpty {
            return RetrainReport(status: .nothingToDo, reason: "no pending record lives in shard \(policy.shard.map(String.init) ?? "-")")
        }
        let jobID = try ledger.startJob(kind: .retrain, plan: plan.json(), worker: workerName, at: now, requests: plan.requests)
        let started = Date()
        let generation = live.version.version + 1
        let rebuilt = try runShards(plan.shards.map(\.shard), title: "retrain", samples: plan.samplePasses, job: jobID, showProgress: showProgress) { shard, progress in
            let work = plan.shards.first { $0.shard == shard }!
            return try self.unlearnShard(work, removing: outcome.deletions[shard]!, live: live.manifest, generation: generation, progress: progress)
        }
        let published = try publisher.publishRetrain(
            rebuilt: rebuilt, base: live, pending: pending, remaining: outcome.remaining, plan: plan, job: jobID,
            started: started, shard: policy.shard, liveKeys: liveKeys(of:in:))
        let seconds = Date().timeIntervalSince(started)
        logger.info("retrained", metadata: [
            "version": "\(published.version.version)", "shards": "\(plan.shards.count)",
            "requests.completed": "\(published.completed.count)", "seconds": "\(seconds)",
        ])
        return RetrainReport(
            status: .completed, version: published.version.version, job: jobID, plan: plan,
            completedRequests: published.completed.map(\.id), purgedFiles: published.removed, seconds: seconds)
    }

    /// Rewrites the shard's affected row files and retrains it from the checkpoint before `work.firstSlice`.
    func unlearnShard(
        _ work: RetrainPlan.ShardWork, removing keys: Set<RecordKey>, live: Manifest, generation: Int, progress: ProgressDisplay?
    ) throws -> Manifest.Shard {
        let shard = work.shard
        var shardFiles = live.shards[shard]
        for slice in work.rewrittenSlices {
            let rows = try files.readRows(shardFiles.rows[slice]).removing(keys)
            shardFiles.rows[slice] = try files.writeRows(rows, shard: shard, slice: slice, generation: generation)
            CrashPoint.hit("mid-retrain")
        }
        guard live.isTrained else { return shardFiles }
        let first = work.firstSlice
        let state = first == 0
            ? config.trainer.initialState(shard: shard)
            : try files.readCheckpoint(shardFiles.checkpoints[first - 1], shard: shard)
        shardFiles.checkpoints = try trainShard(shard, files: shardFiles, from: first, state: state, generation: generation, progress: progress)
        return shardFiles
    }
}
