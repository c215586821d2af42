import Foundation
import GRDB

extension Ledger {
    /// Records a running job and appends `job.started` (with the plan's sha256).
    ///
    /// - Parameters:
    ///   - kind: Training from scratch or unlearning.
    ///   - plan: JSON written by the orchestrator (through ``JSONWriter``); stored as is.
    ///   - worker: Who runs it (host, pid), for operators.
    ///   - requests: The pending requests it covers: those with callbacks are told "in_progress"
    ///     in the same transaction (and "failed" if the job fails).
    /// - Returns: The job id.
    public func startJob(kind: JobKind, plan: String, worker: String?, at: Date, requests: [Int64] = []) throws -> Int64 {
        try write { db in
            try db.run(
                "INSERT INTO retrain_job (kind, started_at, status, plan, worker) VALUES (?, ?, 'running', ?, ?)",
                [kind.rawValue, at.unix, plan, worker])
            let id = db.lastInsertedRowID
            var chain = try AuditChain.head(db)
            let payload = Payload.jobStarted(id: id, kind: kind, worker: worker, planSHA256: Self.sha256Hex(plan))
            try chain.append(db, kind: .jobStarted, payload: payload, at: at)
            try Self.enqueueJobStart(job: id, requests: requests, at: at, db)
            return id
        }
    }

    /// Marks a running job failed and appends `job.failed`. Its requests stay pending.
    /// - Throws: `LedgerError.unknownJob`, `LedgerError.jobNotRunning`.
    public func failJob(id: Int64, error: String, at: Date) throws {
        try write { db in
            var chain = try AuditChain.head(db)
            try Self.fail(try Self.runningJob(db, id: id), error: error, at: at, db, &chain)
        }
    }

    /// Crash recovery: marks every `running` job failed with error "interrupted".
    ///
    /// Call at start-up, before any new job starts. Appends one `job.failed` event per job.
    /// - Returns: How many jobs were marked.
    public func abandonRunningJobs(at: Date) throws -> Int {
        try write { db in
            let running = try db.rows("SELECT * FROM retrain_job WHERE status = 'running' ORDER BY id")
                .map(RetrainJob.init(row:))
            var chain = try AuditChain.head(db)
            for job in running {
                try Self.fail(job, error: "interrupted", at: at, db, &chain)
            }
            return running.count
        }
    }

    /// The newest `limit` jobs, newest first.
    public func jobs(limit: Int) throws -> [RetrainJob] {
        try read { db in
            try db.rows("SELECT * FROM retrain_job ORDER BY id DESC LIMIT ?", [max(0, limit)])
                .map(RetrainJob.init(row:))
        }
    }

    /// One job, or nil.
    public func job(id: Int64) throws -> RetrainJob? {
        try read { db in
            try db.row("SELECT * FROM retrain_job WHERE id = ?", [id]).map(RetrainJob.init(row:))
        }
    }

    /// The job with this id, which must be running.
    static func runningJob(_ db: Database, id: Int64) throws -> RetrainJob {
        guard let row = try db.row("SELECT * FROM retrain_job WHERE id = ?", [id]) else {
            throw LedgerError.unknownJob(id: id)
        }
        let job = try RetrainJob(row: row)
        guard job.status == .running else { throw LedgerError.jobNotRunning(id: id, status: job.status) }
        return job
    }

    private static func fail(
        _ job: RetrainJob, error: String, at: Date, _ db: Database, _ chain: inout AuditChain
    ) throws {
        let seconds = max(0, at.unix - job.startedAt.unix)
        try db.run(
            "UPDATE retrain_job SET status = 'failed', finished_at = ?, seconds = ?, error = ? WHERE id = ?",
            [at.unix, seconds, error, job.id])
        let payload = Payload.jobFailed(id: job.id, error: error, seconds: seconds)
        try chain.append(db, kind: .jobFailed, payload: payload, at: at)
        try enqueueJobFailure(job: job.id, at: at, db)
    }
}
