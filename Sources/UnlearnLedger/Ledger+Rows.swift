import Foundation
import GRDB

// Decoding of ledger rows into the public value types. Kept here, internal, so that the
// public types do not expose GRDB conformances.

extension RawRepresentable where RawValue == String {
    /// Decodes a stored enum value; the schema's CHECK constraints make failure a corruption.
    static func decode(_ text: String) throws -> Self {
        guard let value = Self(rawValue: text) else {
            throw LedgerError.corrupt("unexpected value '\(text)' for \(Self.self)")
        }
        return value
    }
}

extension Date {
    init(unix seconds: Double) { self.init(timeIntervalSince1970: seconds) }
    var unix: Double { timeIntervalSince1970 }
}

extension RecordEntry {
    /// From a row of `Ledger.recordColumns` (its state derived, not the stored column).
    init(row: Row) throws {
        self.init(
            key: row["key"], subjectKey: row["subject_key"], shard: row["shard"], slice: row["slice"],
            state: try RecordState.decode(row["state"]), deletedVersion: row["deleted_version"])
    }
}

extension DeletionRequest {
    /// From a `deletion_request` row (`SELECT *`), without its records.
    init(row: Row) throws {
        self.init(
            id: row["id"], targetKind: try TargetKind.decode(row["target_kind"]),
            targetKey: row["target_key"], receivedAt: Date(unix: row["received_at"]),
            dueAt: Date(unix: row["due_at"]), requestedBy: row["requested_by"], reason: row["reason"],
            status: try RequestStatus.decode(row["status"]),
            completedAt: (row["completed_at"] as Double?).map(Date.init(unix:)),
            jobID: row["job_id"], modelVersion: row["model_version"], receipt: row["receipt"])
    }
}

extension RetrainJob {
    /// From a `retrain_job` row (`SELECT *`).
    init(row: Row) throws {
        self.init(
            id: row["id"], kind: try JobKind.decode(row["kind"]), startedAt: Date(unix: row["started_at"]),
            finishedAt: (row["finished_at"] as Double?).map(Date.init(unix:)), status: try JobStatus.decode(row["status"]),
            plan: row["plan"], seconds: row["seconds"], error: row["error"], worker: row["worker"])
    }
}

extension ModelVersion {
    /// From a `model_version` row (`SELECT *`).
    init(row: Row) throws {
        self.init(
            version: row["version"], createdAt: Date(unix: row["created_at"]), parent: row["parent"],
            jobID: row["job_id"], kind: try VersionKind.decode(row["kind"]), manifest: row["manifest"],
            manifestSHA256: row["manifest_sha256"])
    }
}

extension AuditEvent {
    /// From an `audit_event` row (`SELECT *`).
    init(row: Row) {
        self.init(
            seq: row["seq"], atSeconds: row["at"], kind: AuditEventKind(rawValue: row["kind"]), requestID: row["request_id"],
            recordKey: row["record_key"], shard: row["shard"], payload: row["payload"],
            prevHash: row["prev_hash"], hash: row["hash"])
    }
}
