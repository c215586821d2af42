import Foundation
import GRDB

extension Ledger {
    /// The newest published version, or nil before the first.
    public func latestVersion() throws -> ModelVersion? {
        try read { db in try Self.fetchLatest(db) }
    }

    /// One version, or nil.
    public func version(_ version: Int) throws -> ModelVersion? {
        try read { db in
            try db.row("SELECT * FROM model_version WHERE version = ?", [version]).map(ModelVersion.init(row:))
        }
    }

    /// All versions, oldest first.
    public func versions() throws -> [ModelVersion] {
        try read { db in
            try db.rows("SELECT * FROM model_version ORDER BY version").map(ModelVersion.init(row:))
        }
    }

    /// Publishes a new model version and everything it settles, in one write transaction.
    ///
    /// Checks that `input.parent` is still the latest version, inserts version
    /// `(parent ?? 0) + 1`, completes `input.completedRequests` with their receipts, marks
    /// their records `deleted` in the new version, finishes the job, and appends
    /// `version.published` then one `request.completed` per request (payload: its receipt).
    /// Nothing is written if any check fails.
    /// - Throws: `LedgerError.staleParent`, `.unknownRequest`, `.requestNotPending`,
    ///   `.missingReceipt`, `.unknownJob`, `.jobNotRunning`.
    @discardableResult
    public func publish(_ input: PublishInput) throws -> ModelVersion {
        try write { db in
            let latest = try Self.fetchLatest(db)?.version
            guard latest == input.parent else {
                throw LedgerError.staleParent(expected: input.parent, found: latest)
            }
            let job = try input.jobID.map { try Self.runningJob(db, id: $0) }
            var requests: [DeletionRequest] = []
            var seen = Set<Int64>()
            for id in input.completedRequests where seen.insert(id).inserted {
                guard let request = try Self.fetchRequest(db, id: id) else { throw LedgerError.unknownRequest(id: id) }
                guard request.status == .pending else {
                    throw LedgerError.requestNotPending(id: id, status: request.status)
                }
                guard input.receipts[id] != nil else { throw LedgerError.missingReceipt(requestID: id) }
                requests.append(request)
            }

            let version = ModelVersion(
                version: (input.parent ?? 0) + 1, createdAt: input.at, parent: input.parent,
                jobID: input.jobID, kind: input.kind, manifest: input.manifest,
                manifestSHA256: input.manifestSHA256)
            try db.run("""
                INSERT INTO model_version (version, created_at, parent, job_id, kind, manifest, manifest_sha256)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [
                    version.version, input.at.unix, version.parent, version.jobID, version.kind.rawValue,
                    version.manifest, version.manifestSHA256,
                ])
            if let job {
                let seconds = input.jobSeconds ?? max(0, input.at.unix - job.startedAt.unix)
                try db.run(
                    "UPDATE retrain_job SET status = 'completed', finished_at = ?, seconds = ? WHERE id = ?",
                    [input.at.unix, seconds, job.id])
            }

            var chain = try AuditChain.head(db)
            try chain.append(db, kind: .versionPublished, payload: Payload.published(version), at: input.at)

            for request in requests {
                let receipt = input.receipts[request.id]!
                try db.run("""
                    UPDATE deletion_request
                    SET status = 'completed', completed_at = ?, job_id = ?, model_version = ?, receipt = ?
                    WHERE id = ?
                    """, [input.at.unix, input.jobID, version.version, receipt, request.id])
                try db.run("""
                    UPDATE record SET state = 'deleted', deleted_version = ?
                    WHERE key IN (SELECT record_key FROM request_record WHERE request_id = ?)
                    """, [version.version, request.id])
                try chain.append(
                    db, kind: .requestCompleted, requestID: request.id,
                    recordKey: request.targetKind == .record ? request.targetKey : nil,
                    shard: request.singleShard, payload: receipt, at: input.at)
            }
            // Held until this version is purged: "completed" only once no superseded file holds the records.
            try Self.enqueue(status: "completed", requests: requests.map(\.id), at: input.at, heldFor: version.version, db)
            return version
        }
    }

    static func fetchLatest(_ db: Database) throws -> ModelVersion? {
        try db.row("SELECT * FROM model_version ORDER BY version DESC LIMIT 1").map(ModelVersion.init(row:))
    }
}
