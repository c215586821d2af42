import Foundation
import UnlearnData
import UnlearnLedger
import UnlearnStore

/// A record a request covers: key prefix, shard and slice (never the id).
struct RecordBody: Codable, Sendable {
    var position: Int?
    var deletionID: Int64?
    var key: String
    var shard: Int
    var slice: Int

    enum CodingKeys: String, CodingKey {
        case position, key, shard, slice
        case deletionID = "deletion_id"
    }
}

/// `202` of `POST /v1/deletions`.
struct IntakeBody: Codable, Sendable {
    var deletionID: Int64
    var deletionIDs: [Int64]
    var status: String
    var receivedTime: Date
    var dueTime: Date
    var repeated: Bool
    var externalID: String?
    var records: [RecordBody]

    enum CodingKeys: String, CodingKey {
        case status, repeated, records
        case deletionID = "deletion_id"
        case deletionIDs = "deletion_ids"
        case receivedTime = "received_time"
        case dueTime = "due_time"
        case externalID = "external_id"
    }
}

extension IntakeBody {
    /// The body as `jsonResponse` would encode it (sorted keys, dates in whole seconds), written
    /// directly: intake answers thousands of these a second, and `JSONEncoder` took a tenth of
    /// the service's CPU per request. A test holds the two equal.
    var json: String {
        var writer = JSONWriter()
        writer.add("deletion_id", deletionID)
        writer.add("deletion_ids", deletionIDs)
        writer.add("due_time", iso8601(dueTime))
        if let externalID { writer.add("external_id", externalID) }
        writer.add("received_time", iso8601(receivedTime))
        writer.add("records", records.map { record in
            var item = JSONWriter()
            if let deletionID = record.deletionID { item.add("deletion_id", deletionID) }
            item.add("key", record.key)
            if let position = record.position { item.add("position", position) }
            item.add("shard", record.shard)
            item.add("slice", record.slice)
            return item
        })
        writer.add("repeated", repeated)
        writer.add("status", status)
        return writer.json
    }
}

struct JobBody: Codable, Sendable {
    var id: Int64
    var status: String
    var startedTime: Date
    var finishedTime: Date?
    var seconds: Double?

    enum CodingKeys: String, CodingKey {
        case id, status, seconds
        case startedTime = "started_time"
        case finishedTime = "finished_time"
    }
}

struct EventBody: Codable, Sendable {
    var seq: Int64
    var time: Date
    var kind: String
    var payload: JSONValue
}

/// One deletion request as the API shows it; `timeline` only on single reads and audit.
struct DeletionBody: Codable, Sendable {
    var deletionID: Int64
    var status: String
    var target: String
    var key: String
    var receivedTime: Date
    var dueTime: Date
    var completedTime: Date?
    var overdue: Bool
    var requestedBy: String?
    var reason: String?
    var externalID: String?
    var modelVersion: Int?
    var records: [RecordBody]
    var job: JobBody?
    var purged: Bool?
    var timeline: [EventBody]?

    enum CodingKeys: String, CodingKey {
        case status, target, key, overdue, reason, records, job, purged, timeline
        case deletionID = "deletion_id"
        case receivedTime = "received_time"
        case dueTime = "due_time"
        case completedTime = "completed_time"
        case requestedBy = "requested_by"
        case externalID = "external_id"
        case modelVersion = "model_version"
    }
}

struct DeletionListBody: Codable, Sendable {
    var deletions: [DeletionBody]
    var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case deletions
        case nextCursor = "next_cursor"
    }
}

struct AuditBody: Codable, Sendable {
    var requests: [DeletionBody]
}

struct PredictBody: Codable, Sendable {
    var modelVersion: Int
    var classes: [String]
    var labels: [String]
    /// (rows, classes): vote fractions or mean probabilities.
    var scores: [[Float]]
    var excludedShards: [Int]

    enum CodingKeys: String, CodingKey {
        case classes, labels, scores
        case modelVersion = "model_version"
        case excludedShards = "excluded_shards"
    }
}

extension PredictBody {
    /// The body as `jsonResponse` would encode it, written directly: `JSONEncoder` took a
    /// fifth of a one-row prediction's CPU. A test holds the two equal.
    var json: String {
        var writer = JSONWriter()
        writer.add("classes", classes)
        writer.add("excluded_shards", excludedShards)
        writer.add("labels", labels)
        writer.add("model_version", modelVersion)
        writer.add("scores", scores)
        return writer.json
    }
}

/// The callback outbox in `GET /v1/status`: targets by host only (paths may hold ids).
struct CallbacksBody: Codable, Sendable {
    struct Failing: Codable, Sendable {
        var target: String
        var host: String
        var attempts: Int
        var lastError: String?
        var givenUp: Bool

        enum CodingKeys: String, CodingKey {
            case target, host, attempts
            case lastError = "last_error"
            case givenUp = "given_up"
        }
    }

    var pending: Int
    var givenUp: Int
    var failing: [Failing]

    enum CodingKeys: String, CodingKey {
        case pending, failing
        case givenUp = "given_up"
    }

    init(_ summary: OutboxSummary) {
        pending = summary.pending
        givenUp = summary.givenUp
        failing = summary.failing.map {
            Failing(target: $0.target.rawValue, host: $0.host, attempts: $0.attempts, lastError: $0.lastError, givenUp: $0.givenUp)
        }
    }
}

struct StatusBody: Codable, Sendable {
    struct Records: Codable, Sendable {
        var live: Int
        var pending: Int
        var deleted: Int
    }

    var modelVersion: Int
    var trained: Bool
    var loadedVersion: Int?
    var shards: Int
    var slices: Int
    var pendingRequests: Int
    var overdueRequests: Int
    var oldestPendingAgeSeconds: Double?
    var earliestDueTime: Date?
    var lastJob: JobBody?
    var scheduler: SchedulerState
    var records: Records
    var callbacks: CallbacksBody

    enum CodingKeys: String, CodingKey {
        case trained, shards, slices, scheduler, records, callbacks
        case modelVersion = "model_version"
        case loadedVersion = "loaded_version"
        case pendingRequests = "pending_requests"
        case overdueRequests = "overdue_requests"
        case oldestPendingAgeSeconds = "oldest_pending_age_seconds"
        case earliestDueTime = "earliest_due_time"
        case lastJob = "last_job"
    }
}

struct VerifyBody: Codable, Sendable {
    var intact: Bool
    var eventsChecked: Int
    var firstBrokenSeq: Int64?
    var reason: String?

    enum CodingKeys: String, CodingKey {
        case intact, reason
        case eventsChecked = "events_checked"
        case firstBrokenSeq = "first_broken_seq"
    }
}

struct RetrainBody: Codable, Sendable {
    var status: String
    var reason: String?
    var modelVersion: Int?
    var job: Int64?
    var completedRequests: [Int64]
    var shardsRetrained: Int
    var seconds: Double

    enum CodingKeys: String, CodingKey {
        case status, reason, job, seconds
        case modelVersion = "model_version"
        case completedRequests = "completed_requests"
        case shardsRetrained = "shards_retrained"
    }
}

struct HealthBody: Codable, Sendable {
    var status: String
    var modelVersion: Int?

    enum CodingKeys: String, CodingKey {
        case status
        case modelVersion = "model_version"
    }
}

extension JobBody {
    init(_ job: RetrainJob) {
        self.init(id: job.id, status: job.status.rawValue, startedTime: job.startedAt, finishedTime: job.finishedAt, seconds: job.seconds)
    }
}

/// Maps the ledger's statuses onto the API's: pending, in_progress (a running job covers it),
/// failed (the last job that covered it failed; the next run retries), completed, cancelled
/// (the ledger's `rejected`).
///
/// `completed` also waits for the purge and for this service's predictions: a request
/// published in a version whose superseded files may still be on disk (a crash between publish
/// and purge, until recovery), or in a version newer than the ensemble this service predicts
/// with (published by a CLI or cron retrain and not loaded yet, or loaded a moment after the
/// purge), shows as `in_progress`. A platform polling for "completed" (fides's polling
/// strategy) thus never sees it while a file or a served model still holds the records.
struct StatusResolver: Sendable {
    private var running: Set<Int64> = []
    private var failed: Set<Int64> = []
    /// The oldest model version not finished here: its predecessors' files may still be on disk,
    /// or the service still predicts with an older one. Nil when every version is finished.
    private(set) var firstUnfinishedVersion: Int?

    /// The newest 20 jobs and the purge state, from the ledger; `servedVersion` is the version
    /// the service predicts with (nil when none is loaded: nothing is served).
    init(ledger: Ledger, servedVersion: Int?) throws {
        self.init(jobs: try ledger.jobs(limit: 20))
        firstUnfinishedVersion = Self.firstUnfinished(oldestUnpurged: try ledger.oldestUnpurgedVersion(), servedVersion: servedVersion)
    }

    static func firstUnfinished(oldestUnpurged: Int?, servedVersion: Int?) -> Int? {
        switch (oldestUnpurged, servedVersion.map { $0 + 1 }) {
        case let (a?, b?): min(a, b)
        case let (a, b): a ?? b
        }
    }

    init(jobs: [RetrainJob]) {
        var seen: Set<Int64> = []
        for job in jobs {  // newest first
            guard let plan = try? JSONDecoder().decode(RetrainPlan.self, from: Data(job.plan.utf8)) else { continue }
            for id in plan.requests where !seen.contains(id) {
                seen.insert(id)
                if job.status == .running { running.insert(id) }
                else if job.status == .failed { failed.insert(id) }
            }
        }
    }

    func status(_ request: DeletionRequest) -> String {
        switch request.status {
        case .completed: completedStatus(version: request.modelVersion)
        case .rejected: "cancelled"
        case .pending: running.contains(request.id) ? "in_progress" : failed.contains(request.id) ? "failed" : "pending"
        }
    }

    func status(id: Int64, ledgerStatus: String, version: Int?) -> String {
        switch ledgerStatus {
        case "completed": completedStatus(version: version)
        case "rejected": "cancelled"
        default: running.contains(id) ? "in_progress" : failed.contains(id) ? "failed" : "pending"
        }
    }

    private func completedStatus(version: Int?) -> String {
        if let firstUnfinishedVersion, let version, version >= firstUnfinishedVersion { return "in_progress" }
        return "completed"
    }
}

extension ServiceContext {
    /// Statuses as of now, against the version this service predicts with (blocking).
    func statusResolver() throws -> StatusResolver {
        try StatusResolver(ledger: store.ledger, servedVersion: model.current?.version)
    }
}

extension DeletionBody {
    init(_ timeline: RequestTimeline, status: String, externalID: String?, withEvents: Bool) {
        self.init(
            deletionID: timeline.request, status: status, target: timeline.target, key: timeline.key,
            receivedTime: timeline.receivedAt, dueTime: timeline.dueAt, completedTime: timeline.completedAt,
            overdue: timeline.overdue, requestedBy: timeline.requestedBy, reason: timeline.reason, externalID: externalID,
            modelVersion: timeline.version,
            records: timeline.records.map { RecordBody(key: $0.key, shard: $0.shard, slice: $0.slice) },
            job: timeline.job.map { JobBody(id: $0.id, status: $0.status.rawValue, startedTime: $0.startedAt, finishedTime: $0.finishedAt, seconds: $0.seconds) },
            purged: timeline.purged,
            timeline: withEvents ? timeline.events.map { event in
                EventBody(seq: event.seq, time: event.at, kind: event.kind,
                          payload: (try? JSONValue(parsing: Data(event.payload.utf8))) ?? .string(event.payload))
            } : nil)
    }
}
