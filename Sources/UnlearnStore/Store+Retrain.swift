import Foundation
import UnlearnCore
import UnlearnLedger
import UnlearnData

/// When a scheduled `retrain` should act. With no condition set it acts on any pending request;
/// with some set, it acts when any holds (or a request is overdue) and otherwise defers.
public struct RetrainPolicy: Sendable {
    public var shard: Int?
    public var ifPending: Int?
    public var maxWait: TimeInterval?
    public var beforeDue: TimeInterval?

    public init(shard: Int? = nil, ifPending: Int? = nil, maxWait: TimeInterval? = nil, beforeDue: TimeInterval? = nil) {
        self.shard = shard
        self.ifPending = ifPending
        self.maxWait = maxWait
        self.beforeDue = beforeDue
    }
}

/// What a retrain run did.
public struct RetrainReport: Sendable, Codable {
    /// "nothing-to-do", "deferred" or "completed".
    public var status: String
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
    /// Unlearns every pending request: rewrites the affected row files without the deleted records,
    /// retrains each affected shard from the checkpoint before its first affected slice, publishes
    /// a new version in one ledger transaction, and only then removes superseded files.
    public func retrain(_ policy: RetrainPolicy = RetrainPolicy(), now: Date = Date(), showProgress: Bool = true) throws -> RetrainReport {
        let lock = try StoreLock(layout, scope: policy.shard.map(StoreLock.Scope.shard) ?? .store)
        defer { withExtendedLifetime(lock) {} }
        if let shard = policy.shard { _ = try [Int].shards(config.shards, only: shard) }
        try recover(shard: policy.shard)
        let pending = try ledger.pendingRequests()
        guard !pending.isEmpty else { return RetrainReport(status: "nothing-to-do", reason: "no pending requests") }
        if let reason = deferral(pending, policy: policy, now: now) { return RetrainReport(status: "deferred", reason: reason) }

        let live = try liveVersion()
        let records = pending.flatMap(\.records)
        let (plan, deletions, remaining) = try makePlan(records: records, requests: pending.map(\.id), manifest: live.manifest, only: policy.shard)
        if plan.isEmpty && completedRequests(pending, remaining: remaining).isEmpty {
            return RetrainReport(status: "nothing-to-do", reason: "no pending record lives in shard \(policy.shard.map(String.init) ?? "-")")
        }
        let planJSON = String(decoding: try JSONEncoder().encode(plan), as: UTF8.self)
        let jobID = try ledger.startJob(plan: planJSON, worker: workerName, at: now)
        let started = Date()
        let generation = live.version.version + 1
        let rebuilt = try runShards(plan.shards.map(\.shard), title: "retrain", samples: plan.samplePasses, job: jobID, showProgress: showProgress) { shard, progress in
            let work = plan.shards.first { $0.shard == shard }!
            return try self.unlearnShard(work, removing: deletions[shard]!, live: live.manifest, generation: generation, progress: progress)
        }

        // Publish. A `--shard` worker may lose the race to a worker of another shard: it then
        // rebases its shard onto the newer version (its own shard is untouched there: it holds
        // that shard's lock) and completes whatever is complete against that version.
        var base = live
        var attempt = 0
        while true {
            var manifest = base.manifest
            for (shard, files) in rebuilt { manifest.shards[shard] = files }
            let stillPending = Set(try ledger.pendingRequests().map(\.id))
            let open = pending.filter { stillPending.contains($0.id) }
            // Without a rebase the other shards are as planned, so the plan's answer stands; after
            // one, re-read which records the newer version still holds.
            let stillLive = attempt == 0 ? remaining : try liveKeys(of: open.flatMap(\.records), in: manifest)
            let completed = completedRequests(open, remaining: stillLive)
            let seconds = Date().timeIntervalSince(started)
            let receipts = Dictionary(uniqueKeysWithValues: completed.map { request in
                (request.id, receiptJSON(request, old: base.manifest, new: manifest, version: base.version.version + 1, job: jobID, plan: plan))
            })
            do {
                let (published, removed) = try publish(
                    manifest, parent: base.version, kind: "retrain", jobID: jobID, completing: completed.map(\.id),
                    receipts: receipts, jobSeconds: seconds, shard: policy.shard)
                try ledger.appendEvent(
                    kind: "files.purged", requestID: nil, recordKey: nil, shard: policy.shard,
                    payload: jsonObject(["version": published.version, "job": jobID, "files": removed]), at: Date())
                logger.info("retrained", metadata: [
                    "version": "\(published.version)", "shards": "\(plan.shards.count)", "requests.completed": "\(completed.count)",
                    "seconds": "\(seconds)",
                ])
                return RetrainReport(
                    status: "completed", version: published.version, job: jobID, plan: plan, completedRequests: completed.map(\.id),
                    purgedFiles: removed, seconds: seconds)
            } catch LedgerError.staleParent where policy.shard != nil && attempt < 20 {
                attempt += 1
                base = try liveVersion()
                guard let shard = policy.shard, base.manifest.shards[shard] == live.manifest.shards[shard] else {
                    throw UnlearnError(.software, "shard \(policy.shard ?? -1) changed under its lock", hint: "Run 'unlearn recover' and retry.")
                }
            }
        }
    }

    /// Requests none of whose records is among the `remaining` live keys.
    func completedRequests(_ requests: [DeletionRequest], remaining: Set<String>) -> [DeletionRequest] {
        requests.filter { request in request.records.allSatisfy { !remaining.contains($0.key) } }
    }

    /// The keys among `records` that some live row file of `manifest` still holds.
    func liveKeys(of records: [RecordEntry], in manifest: Manifest) throws -> Set<String> {
        var present: [String: Set<RecordKey>] = [:]
        var live = Set<String>()
        for record in records {
            guard let key = RecordKey(hex: record.key), record.shard < manifest.shards.count else { continue }
            let file = manifest.shards[record.shard].rows[record.slice]
            if present[file.path] == nil { present[file.path] = Set(try readRows(file).keys) }
            if present[file.path]!.contains(key) { live.insert(record.key) }
        }
        return live
    }

    /// Why a policy-driven run should wait, or nil to run now. Overdue requests always run.
    func deferral(_ pending: [DeletionRequest], policy: RetrainPolicy, now: Date) -> String? {
        guard policy.ifPending != nil || policy.maxWait != nil || policy.beforeDue != nil else { return nil }
        if pending.contains(where: { $0.dueAt <= now }) { return nil }
        if let n = policy.ifPending, pending.count >= n { return nil }
        if let wait = policy.maxWait, let oldest = pending.map(\.receivedAt).min(), now.timeIntervalSince(oldest) >= wait { return nil }
        if let margin = policy.beforeDue, let due = pending.map(\.dueAt).min(), due.timeIntervalSince(now) <= margin { return nil }
        return "\(pending.count) request(s) pending; no policy condition met yet"
    }

    /// Plans the removal of `records`, skipping any already gone from the live rows (a partly
    /// finished `--shard` run). Records outside `only` that are still live are returned as `remaining`.
    func makePlan(records: [RecordEntry], requests: [Int64], manifest: Manifest, only: Int?) throws
        -> (RetrainPlan, [Int: Set<RecordKey>], remaining: Set<String>)
    {
        let live = try liveKeys(of: records, in: manifest)
        var deletions: [Int: Set<RecordKey>] = [:]
        var slicesHit: [Int: Set<Int>] = [:]
        var remaining = Set<String>()
        for record in records where live.contains(record.key) {
            guard only == nil || record.shard == only else {
                remaining.insert(record.key)
                continue
            }
            deletions[record.shard, default: []].insert(RecordKey(hex: record.key)!)
            slicesHit[record.shard, default: []].insert(record.slice)
        }
        let trainer = config.trainer
        var work: [RetrainPlan.ShardWork] = []
        for (shard, slices) in slicesHit.sorted(by: { $0.key < $1.key }) {
            var sizes = try sliceSizes(manifest, shard: shard)
            let removedBySlice = Dictionary(grouping: records.filter { $0.shard == shard && deletions[shard]!.contains(RecordKey(hex: $0.key)!) }, by: \.slice)
            for (slice, removed) in removedBySlice { sizes[slice] -= Set(removed.map(\.key)).count }
            let first = slices.min()!
            work.append(RetrainPlan.ShardWork(
                shard: shard, firstSlice: first, records: deletions[shard]!.count, rewrittenSlices: slices.sorted(),
                samplePasses: manifest.isTrained ? SISASchedule.cost(sliceSizes: sizes, epochs: trainer.epochsPerSlice, from: first) : 0))
        }
        let full = try (0..<config.shards).reduce(0) { total, shard in
            total + SISASchedule.cost(sliceSizes: try sliceSizes(manifest, shard: shard), epochs: trainer.epochsPerSlice, from: 0)
        }
        let liveRows = manifest.shards.reduce(0) { $0 + $1.rows.reduce(0) { $0 + ($1.rows ?? 0) } }
        let plan = RetrainPlan(requests: requests, shards: work, fullSamplePasses: full, monolithicSamplePasses: liveRows * config.training.epochs)
        return (plan, deletions, remaining)
    }

    /// Rewrites the shard's affected row files and retrains it from the checkpoint before `work.firstSlice`.
    func unlearnShard(
        _ work: RetrainPlan.ShardWork, removing keys: Set<RecordKey>, live: Manifest, generation: Int, progress: ProgressDisplay?
    ) throws -> Manifest.Shard {
        let shard = work.shard
        var files = live.shards[shard]
        for slice in work.rewrittenSlices {
            let rows = try readRows(files.rows[slice]).removing(keys)
            files.rows[slice] = try writeRows(rows, shard: shard, slice: slice, generation: generation)
            CrashPoint.hit("mid-retrain")
        }
        guard live.isTrained else { return files }
        let first = work.firstSlice
        let state = first == 0
            ? config.trainer.initialState(shard: shard)
            : try readCheckpoint(files.checkpoints[first - 1], shard: shard, slice: first - 1)
        files.checkpoints = try trainShard(shard, files: files, from: first, state: state, generation: generation, progress: progress)
        return files
    }

    /// The receipt stored with a completed request: what was removed, and every file replaced (old and new hashes).
    func receiptJSON(_ request: DeletionRequest, old: Manifest, new: Manifest, version: Int, job: Int64, plan: RetrainPlan) -> String {
        let shards = Set(request.records.map(\.shard))
        var replaced: [[String: String]] = []
        for shard in shards.sorted() {
            let before = old.shards[shard].rows + old.shards[shard].checkpoints
            let after = new.shards[shard].rows + new.shards[shard].checkpoints
            for (a, b) in zip(before, after) where a.path != b.path {
                replaced.append(["old": a.path, "old_sha256": a.sha256, "new": b.path, "new_sha256": b.sha256])
            }
        }
        return jsonObject([
            "request": request.id, "version": version, "job": job,
            "records": request.records.map { ["key": String($0.key.prefix(12)), "shard": $0.shard, "slice": $0.slice] as [String: Any] },
            "retrained": plan.shards.filter { shards.contains($0.shard) }.map { ["shard": $0.shard, "first_slice": $0.firstSlice] },
            "replaced": replaced,
        ])
    }
}

/// Canonical JSON (sorted keys) of a plain dictionary, for ledger payloads.
func jsonObject(_ object: [String: Any]) -> String {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self)
}
