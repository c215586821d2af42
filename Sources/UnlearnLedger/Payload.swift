import Foundation

/// The audit payloads the ledger writes itself: small JSON objects with sorted keys.
enum Payload {
    /// `records.indexed`.
    static func indexed(count: Int) -> String {
        var writer = JSONWriter()
        writer.add("count", count)
        return writer.json
    }

    /// `request.received`: everything the request committed to, including its records.
    static func received(_ request: DeletionRequest) -> String {
        var writer = JSONWriter()
        writer.add("due_at", request.dueAt)
        writer.add("reason", request.reason)
        writer.add("received_at", request.receivedAt)
        writer.add("records", request.records.map { record in
            var item = JSONWriter()
            item.add("key", record.key)
            item.add("shard", record.shard)
            item.add("slice", record.slice)
            return item
        })
        writer.add("requested_by", request.requestedBy)
        writer.add("target_key", request.targetKey)
        writer.add("target_kind", request.targetKind.rawValue)
        return writer.json
    }

    /// `request.rejected`.
    static func rejected(reason: String?, released: Int) -> String {
        var writer = JSONWriter()
        writer.add("reason", reason)
        writer.add("released", released)
        return writer.json
    }

    /// `job.started`: the plan itself stays in `retrain_job`; the chain pins its hash.
    static func jobStarted(id: Int64, kind: JobKind, worker: String?, planSHA256: String) -> String {
        var writer = JSONWriter()
        writer.add("job_id", id)
        writer.add("kind", kind.rawValue)
        writer.add("plan_sha256", planSHA256)
        writer.add("worker", worker)
        return writer.json
    }

    /// `job.failed`.
    static func jobFailed(id: Int64, error: String, seconds: Double) -> String {
        var writer = JSONWriter()
        writer.add("error", error)
        writer.add("job_id", id)
        writer.add("seconds", seconds)
        return writer.json
    }

    /// `version.published`; `parent` is null for the first version.
    static func published(_ version: ModelVersion) -> String {
        var writer = JSONWriter()
        writer.add("job_id", version.jobID)
        writer.add("kind", version.kind.rawValue)
        writer.add("manifest_sha256", version.manifestSHA256)
        writer.add("parent", version.parent)
        writer.add("version", version.version)
        return writer.json
    }
}
