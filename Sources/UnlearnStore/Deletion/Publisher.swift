import Foundation
import Logging
import UnlearnData
import UnlearnLedger

/// A published model version with its files.
public struct PublishedVersion: Sendable {
    public var version: ModelVersion
    public var manifest: Manifest
}

/// Makes new versions live and removes what they supersede.
///
/// The order is the store's consistency rule: the new files are already written and fsynced;
/// one ledger transaction publishes the version (and completes its requests with receipts);
/// only after it commits are the superseded files deleted. A crash anywhere leaves either the
/// old version or the new one live, and recovery removes the leftovers.
struct Publisher {
    let ledger: Ledger
    let files: ShardFiles
    let logger: Logger

    /// The newest published version.
    func latest() throws -> PublishedVersion {
        guard let version = try ledger.latestVersion() else {
            throw UnlearnError(.corrupt, "the ledger of '\(files.layout.root)' has no published version",
                               hint: "The store's init did not finish; see 'unlearn init --help' on removing a half-created store.")
        }
        return PublishedVersion(version: version, manifest: try Manifest.parse(version.manifest, version: version.version))
    }

    /// Publishes `manifest` as the child of `parent`, then removes the files it no longer names.
    /// - Parameter shard: for a `--shard` worker, only that shard's superseded files are removed
    ///   (other shards may hold another worker's files that are not published yet).
    func publish(
        _ manifest: Manifest, parent: ModelVersion?, kind: VersionKind, job: Int64? = nil,
        completing requests: [Int64] = [], receipts: [Int64: String] = [:], jobSeconds: Double? = nil, shard: Int? = nil
    ) throws -> (version: ModelVersion, removed: [String]) {
        let json = manifest.json()
        CrashPoint.hit("before-publish")
        let published = try ledger.publish(PublishInput(
            parent: parent?.version, kind: kind, manifest: json, manifestSHA256: Ledger.sha256Hex(json),
            jobID: job, completedRequests: requests, receipts: receipts, at: Date(), jobSeconds: jobSeconds))
        CrashPoint.hit("after-publish")
        try StoreHead.advance(files.layout, to: published)
        let removed = try files.removeFiles(notIn: manifest, shard: shard)
        // The new version differs from its parent only in what this job rebuilt, so removing
        // the files it no longer names purges everything it superseded: its completion
        // callbacks may now go out (a crash before this leaves that to recovery).
        try ledger.markPurged(version: published.version)
        return (published, removed)
    }

    /// What publishing a retrain settled.
    struct RetrainPublication {
        var version: ModelVersion
        var completed: [DeletionRequest]
        var removed: [String]
    }

    /// Publishes a retrain's rebuilt shards on top of `base`, completing every request whose
    /// records the new version no longer holds, then purges.
    ///
    /// A `--shard` worker may lose the race to a worker of another shard: the ledger then
    /// refuses the stale parent, and the worker rebases its shard onto the newer version (its
    /// own shard is unchanged there, since it holds that shard's lock) and recomputes which
    /// requests are complete against it.
    ///
    /// - Parameters:
    ///   - remaining: the requests' record keys still live outside the rebuilt shards, as planned.
    ///   - liveKeys: which of some records a manifest's row files still hold (read after a rebase).
    func publishRetrain(
        rebuilt: [Int: Manifest.Shard], base live: PublishedVersion, pending: [DeletionRequest], remaining: Set<String>,
        plan: RetrainPlan, job: Int64, started: Date, shard: Int?,
        liveKeys: ([RecordEntry], Manifest) throws -> Set<String>
    ) throws -> RetrainPublication {
        var base = live
        var attempt = 0
        while true {
            var manifest = base.manifest
            for (shard, files) in rebuilt { manifest.shards[shard] = files }
            let stillPending = Set(try ledger.pendingRequests().map(\.id))
            let open = pending.filter { stillPending.contains($0.id) }
            // Without a rebase the other shards are as planned, so the plan's answer stands;
            // after one, re-read which records the newer version still holds.
            let stillLive = attempt == 0 ? remaining : try liveKeys(open.flatMap(\.records), manifest)
            let completed = RetrainPlanner.completed(open, remaining: stillLive)
            let version = base.version.version + 1
            let receipts = Dictionary(uniqueKeysWithValues: completed.map { request in
                (request.id, Receipt(request, old: base.manifest, new: manifest, version: version, job: job, plan: plan).json())
            })
            do {
                let (published, removed) = try publish(
                    manifest, parent: base.version, kind: .retrain, job: job, completing: completed.map(\.id),
                    receipts: receipts, jobSeconds: Date().timeIntervalSince(started), shard: shard)
                try ledger.appendEvent(
                    kind: .filesPurged, requestID: nil, recordKey: nil, shard: shard,
                    payload: StorePayload.purged(version: published.version, job: job, files: removed), at: Date())
                return RetrainPublication(version: published, completed: completed, removed: removed)
            } catch LedgerError.staleParent where shard != nil && attempt < 20 {
                attempt += 1
                base = try latest()
                guard let shard, base.manifest.shards[shard] == live.manifest.shards[shard] else {
                    throw UnlearnError(.software, "shard \(shard ?? -1) changed under its lock", hint: "Run 'unlearn recover' and retry.")
                }
                logger.info("rebased onto a newer version", metadata: ["version": "\(base.version.version)", "shard.id": "\(shard)"])
            }
        }
    }
}
