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
        guard !pending.isEmpty || policy.rebuild else { return RetrainReport(status: .nothingToDo, reason: "no pending requests") }
        if !policy.rebuild, let reason = policy.deferral(pending, now: now) { return RetrainReport(status: .deferred, reason: reason) }

        let live = try liveVersion()
        let outcome = try plan(pending, manifest: live.manifest, only: policy.shard)
        var draft = outcome.plan
        if draft.isEmpty && RetrainPlanner.completed(pending, remaining: outcome.remaining).isEmpty && !policy.rebuild {
            return RetrainReport(status: .nothingToDo, reason: "no pending record lives in shard \(policy.shard.map(String.init) ?? "-")")
        }
        // Deletions that change the schema (a category below the minimum count, a quantised
        // statistic moved) re-encode every row: every shard retrains from slice 0.
        let change = draft.isEmpty && !policy.rebuild ? nil : try schemaChange(live.manifest, removing: outcome.deletions)
        if policy.rebuild || change?.changes == true {
            guard policy.shard == nil else {
                return RetrainReport(status: .deferred, reason: "the pending deletions change the schema, so every shard retrains: run a whole-store 'unlearn retrain'")
            }
            draft = rebuildPlan(outcome, requests: pending, manifest: live.manifest)
        }
        let plan = draft
        let jobID = try ledger.startJob(kind: .retrain, plan: plan.json(), worker: workerName, at: now, requests: plan.requests)
        let started = Date()
        let generation = live.version.version + 1
        // A rebuild trains with the refitted schema, kept beside the old one until it publishes.
        let target = plan.schemaRebuild == true ? try beginRebuild(change?.schema ?? config.schema, generation: generation) : self
        let published: Publisher.RetrainPublication
        do {
            let rebuilt = try target.runShards(plan.shards.map(\.shard), title: plan.schemaRebuild == true ? "rebuild" : "retrain", samples: plan.samplePasses, job: jobID, showProgress: showProgress) { shard, progress in
                let work = plan.shards.first { $0.shard == shard }!
                return try target.unlearnShard(work, removing: outcome.deletions[shard] ?? [], live: live.manifest, generation: generation, progress: progress)
            }
            published = try target.publisher.publishRetrain(
                rebuilt: rebuilt, base: live, pending: pending, remaining: outcome.remaining, plan: plan, job: jobID,
                started: started, shard: policy.shard, liveKeys: liveKeys(of:in:))
        } catch {
            if target !== self { try? settleConfigFile() }
            throw error
        }
        if target !== self {
            // Published: the old schema goes, like the files it encoded.
            try settleConfigFile()
        }
        let seconds = Date().timeIntervalSince(started)
        logger.info("retrained", metadata: [
            "version": "\(published.version.version)", "shards": "\(plan.shards.count)",
            "requests.completed": "\(published.completed.count)", "seconds": "\(seconds)",
        ])
        return RetrainReport(
            status: .completed, version: published.version.version, job: jobID, plan: plan,
            completedRequests: published.completed.map(\.id), purgedFiles: published.removed, seconds: seconds)
    }

    /// Writes `store.json` with `schema` as the schema of versions from `generation` on, the
    /// current one kept as retired until then, and returns the store that trains with it.
    func beginRebuild(_ schema: FeatureSchema, generation: Int) throws -> Store {
        var next = config
        next.retiredSchema = config.schema
        next.schema = schema
        next.schemaVersion = generation
        try next.save(layout, secret: try readSecret())
        next.retiredSchema = nil
        return Store(layout: layout, config: next, ledger: ledger, keyer: keyer, logger: logger)
    }

    /// Rewrites `store.json` without a retired schema: the rebuild's when its version is
    /// published, the retired one otherwise (the rebuild stopped). Callers hold the store lock.
    func settleConfigFile() throws {
        let secret = try readSecret()
        let stored = try StoreConfig.load(layout, secret: secret)
        let (settled, changed) = stored.settled(latest: try ledger.latestVersionNumber() ?? 0)
        if changed {
            try settled.save(layout, secret: secret)
            box.replace(settled)
        }
    }

    func readSecret() throws -> [UInt8] {
        try StoreSeal.secret(fromKeyFile: AtomicFile.read(layout.secretPath), path: layout.secretPath)
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
