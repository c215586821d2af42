import Foundation
import UnlearnCore
import UnlearnLedger
import UnlearnData

/// The outcome of `unlearn verify --id X`: each check with its evidence.
public struct VerificationReport: Sendable, Codable {
    public struct Check: Sendable, Codable {
        public var name: String
        public var passed: Bool
        public var detail: String
    }

    public var request: Int64?
    public var key: String
    public var shard: Int
    public var slice: Int
    public var version: Int
    public var checks: [Check]
    /// False when the ledger could not record the outcome (a full disk): the checks still stand.
    public var recorded = true
    public var passed: Bool { checks.allSatisfy(\.passed) }
}

extension Store {
    /// Proves a record's deletion from the live store: its request completed, no live row file
    /// holds its key, every live checkpoint of its shard was trained on exactly the live rows
    /// (lineage), those from its slice on were written after the request, and — with `replay` —
    /// retraining the shard from scratch reproduces the live checkpoints bit for bit.
    public func verify(id: String, replay: Bool) throws -> VerificationReport {
        let key = keyer.record(id)
        guard let record = try ledger.record(key: key.hex) else {
            throw UnlearnError(.data, "record id '\(id)' was never in the store '\(layout.root)'", hint: "Check the id; nothing to verify.")
        }
        let live = try liveVersion()
        let request = try ledger.queryRequests(RequestFilter(recordKey: key.hex)).first { $0.status != .rejected }
        var checks: [VerificationReport.Check] = []
        func check(_ name: String, _ passed: Bool, _ detail: String) {
            checks.append(.init(name: name, passed: passed, detail: detail))
        }

        if let request, request.status == .completed, let completedIn = request.modelVersion {
            check("request completed", true, "request \(request.id) completed in version \(completedIn) (live: \(live.version.version))")
        } else if let request {
            check("request completed", false, "request \(request.id) is \(request.status.rawValue); run 'unlearn retrain --store \(layout.root)'")
        } else {
            check("request completed", false, "no deletion request covers this record; the record is live")
        }

        // 1. No live row file anywhere holds the key; every live file matches its manifest hash.
        var holders: [String] = [], damaged: [String] = []
        var rowHashes: [[String]] = []
        for shard in live.manifest.shards {
            rowHashes.append(shard.rows.map(\.payloadSHA256))
            for file in shard.rows + shard.checkpoints {
                let bytes = try AtomicFile.read(layout.path(file.path))
                if sha256Hex(bytes) != file.sha256 { damaged.append(file.path) }
                if file.path.hasSuffix(".rows.zst"), try files.decodeRows(bytes, file: file).keys.contains(key) {
                    holders.append(file.path)
                }
            }
        }
        let fileCount = live.manifest.allPaths.count
        check("live files intact", damaged.isEmpty, damaged.isEmpty ? "\(fileCount) files match the manifest of version \(live.version.version)" : "hash mismatch: \(damaged.joined(separator: ", "))")
        check("absent from live rows", holders.isEmpty, holders.isEmpty ? "no live row file holds the record" : "still in \(holders.joined(separator: ", "))")

        // 2. Lineage and freshness of the record's shard.
        let shardFiles = live.manifest.shards[record.shard]
        var lineageBroken: [String] = [], stale: [String] = []
        let firstPublished = try firstPublication(of: Set(shardFiles.checkpoints.map(\.path)))
        for (slice, file) in shardFiles.checkpoints.enumerated() {
            let metadata = try files.decodeCheckpoint(AtomicFile.read(layout.path(file.path)), file: file, shard: record.shard).0
            if metadata.trainedOn != Array(rowHashes[record.shard][...slice]) { lineageBroken.append(file.path) }
            // From the record's slice on, each checkpoint must come from a version published after the request.
            if slice >= record.slice, let request, (firstPublished[file.path]?.createdAt ?? .distantPast) <= request.receivedAt {
                stale.append(file.path)
            }
        }
        if shardFiles.checkpoints.isEmpty {
            check("checkpoint lineage", true, "store not trained: no model holds any data")
        } else {
            check("checkpoint lineage", lineageBroken.isEmpty,
                  lineageBroken.isEmpty ? "all \(shardFiles.checkpoints.count) checkpoints of shard \(record.shard) were trained on exactly the live rows" : "not trained on the live rows: \(lineageBroken.joined(separator: ", "))")
            let versions = Set(shardFiles.checkpoints[record.slice...].compactMap { firstPublished[$0.path]?.version }).sorted()
            check("retrained after request", request != nil && stale.isEmpty,
                  request == nil ? "no deletion request for this record, so no retrain removed it (its checkpoints are from version(s) \(versions.map(String.init).joined(separator: ", ")))"
                  : stale.isEmpty ? "checkpoints of slices \(record.slice)…\(config.slices - 1) were first published in version(s) \(versions.map(String.init).joined(separator: ", ")), after the request" : "published before the request: \(stale.joined(separator: ", "))")
        }

        // 3. Optional replay: from-scratch training must reproduce the live checkpoint bytes.
        if replay && !shardFiles.checkpoints.isEmpty {
            let data = try shardFiles.rows.map { try files.readSlice($0) }
            BLAS.useSingleThread()
            let states = try config.trainer.trainFromScratch(shard: record.shard, data: data)
            var mismatched: [Int] = []
            for (slice, state) in states.enumerated() {
                let bytes = try files.encodeCheckpoint(state, shard: record.shard, slice: slice, trainedOn: Array(rowHashes[record.shard][...slice]))
                if sha256Hex(bytes) != shardFiles.checkpoints[slice].sha256 { mismatched.append(slice) }
            }
            check("replay from scratch", mismatched.isEmpty,
                  mismatched.isEmpty ? "retraining shard \(record.shard) from scratch without the deleted rows reproduced all \(states.count) checkpoints byte for byte" : "slices \(mismatched) differ")
        }

        var report = VerificationReport(
            request: request?.id, key: key.short, shard: record.shard, slice: record.slice, version: live.version.version, checks: checks)
        do {
            try ledger.appendEvent(
                kind: report.passed ? .verifyPassed : .verifyFailed, requestID: request?.id, recordKey: key.hex, shard: record.shard,
                payload: StorePayload.verified(version: live.version.version, replay: replay, failed: checks.filter { !$0.passed }.map(\.name)), at: Date())
        } catch LedgerError.storage(let failure, _, _) where failure == .full || failure == .io || failure == .readOnly {
            report.recorded = false
        }
        return report
    }

    /// For each path, the first published version whose manifest names it.
    func firstPublication(of paths: Set<String>) throws -> [String: ModelVersion] {
        var first: [String: ModelVersion] = [:]
        for version in try ledger.versions().sorted(by: { $0.version < $1.version }) {
            let manifest = try Manifest.parse(version.manifest, version: version.version)
            for path in manifest.allPaths.intersection(paths) where first[path] == nil { first[path] = version }
            if first.count == paths.count { break }
        }
        return first
    }
}
