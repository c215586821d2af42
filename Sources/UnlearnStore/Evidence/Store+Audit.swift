import Foundation
import UnlearnLedger
import UnlearnData

/// Filters for `unlearn audit`; all given filters must hold.
public struct AuditQuery: Sendable {
    public var id: String?
    public var subject: String?
    public var request: Int64?
    public var since: Date?
    public var until: Date?
    public var shard: Int?
    public var status: RequestStatus?
    public var overdue = false
    public var limit: Int?

    public init() {}
}

/// A request's whole history, as an auditor reads it.
public struct RequestTimeline: Sendable, Codable {
    public struct Job: Sendable, Codable {
        public var id: Int64
        public var status: JobStatus
        public var startedAt: Date
        public var finishedAt: Date?
        public var seconds: Double?
        public var retrained: [RetrainPlan.ShardWork]
        /// True when the job refitted the schema and retrained every shard from slice 0.
        public var schemaRebuild: Bool?

        enum CodingKeys: String, CodingKey {
            case id, status, seconds, retrained
            case schemaRebuild = "schema_rebuild"
            case startedAt = "started_at"
            case finishedAt = "finished_at"
        }
    }

    public struct Event: Sendable, Codable {
        public var seq: Int64
        public var at: Date
        public var kind: String
        public var payload: String
    }

    public var request: Int64
    public var target: String
    public var key: String
    public var status: RequestStatus
    public var receivedAt: Date
    public var dueAt: Date
    public var overdue: Bool
    public var requestedBy: String?
    public var reason: String?
    public var completedAt: Date?
    public var records: [RecordPlacement]
    public var job: Job?
    public var version: Int?
    /// Files replaced for this request; `purged` is true once none of the old files is on disk.
    public var replacedFiles: Int
    public var purged: Bool?
    public var verified: Date?
    public var events: [Event]

    enum CodingKeys: String, CodingKey {
        case request, target, key, status, overdue, reason, records, job, version, purged, verified, events
        case receivedAt = "received_at"
        case dueAt = "due_at"
        case requestedBy = "requested_by"
        case completedAt = "completed_at"
        case replacedFiles = "replaced_files"
    }
}

extension Store {
    public func audit(_ query: AuditQuery, now: Date = Date()) throws -> [RequestTimeline] {
        let filter = RequestFilter(
            recordKey: query.id.map { keyer.record($0).hex }, subjectKey: query.subject.map { keyer.subject($0).hex },
            requestID: query.request, since: query.since, until: query.until, shard: query.shard, status: query.status,
            overdueAt: query.overdue ? now : nil, limit: query.limit)
        return try ledger.queryRequests(filter).map { try timeline($0, now: now) }
    }

    /// Re-checks the ledger's audit hash chain.
    public func verifyAuditChain() throws -> ChainReport {
        try ledger.verifyChain()
    }

    func timeline(_ request: DeletionRequest, now: Date) throws -> RequestTimeline {
        var job: RequestTimeline.Job?
        if let id = request.jobID, let record = try ledger.job(id: id) {
            let plan = try? JSONDecoder().decode(RetrainPlan.self, from: Data(record.plan.utf8))
            let shards = Set(request.records.map(\.shard))
            job = .init(id: id, status: record.status, startedAt: record.startedAt, finishedAt: record.finishedAt, seconds: record.seconds,
                        retrained: plan?.shards.filter { plan?.schemaRebuild == true || shards.contains($0.shard) } ?? [],
                        schemaRebuild: plan?.schemaRebuild)
        }
        var replaced = 0
        var purged: Bool?
        if let receipt = request.receipt,
           let object = try? JSONSerialization.jsonObject(with: Data(receipt.utf8)) as? [String: Any],
           let files = object["replaced"] as? [[String: String]] {
            replaced = files.count
            purged = files.allSatisfy { !FileManager.default.fileExists(atPath: layout.path($0["old"] ?? "")) }
        }
        let events = try ledger.events(requestID: request.id, recordKey: nil, shard: nil, since: nil, until: nil, limit: nil)
        return RequestTimeline(
            request: request.id, target: request.targetKind.rawValue, key: String(request.targetKey.prefix(12)),
            status: request.status, receivedAt: request.receivedAt, dueAt: request.dueAt,
            overdue: request.status == .pending && request.dueAt < now, requestedBy: request.requestedBy, reason: request.reason,
            completedAt: request.completedAt,
            records: request.records.map { RecordPlacement(key: String($0.key.prefix(12)), shard: $0.shard, slice: $0.slice) },
            job: job, version: request.modelVersion, replacedFiles: replaced, purged: purged,
            verified: events.last { $0.kind == .verifyPassed }?.at,
            events: events.map { .init(seq: $0.seq, at: $0.at, kind: $0.kind.rawValue, payload: $0.payload) })
    }

    /// A dry run of the next retrain: the pending requests plus `targets`, planned but not written.
    public func estimate(adding targets: [DeletionTarget]) throws -> RetrainPlan {
        try estimateWithSchema(adding: targets).plan
    }

    /// A dry run of the next retrain, with what it does to the schema: when the deletions
    /// change it, the plan is a rebuild (every shard from slice 0) and `change` says why.
    public func estimateWithSchema(adding targets: [DeletionTarget]) throws -> (plan: RetrainPlan, change: SchemaChange?) {
        var requests = try ledger.pendingRequests()
        let now = Date()
        for (index, target) in targets.enumerated() {
            let submission = try submission(for: target, index: index, count: targets.count, requestedBy: nil, reason: nil, at: now)
            let records: [RecordEntry]
            switch target {
            case .record: records = try ledger.record(key: submission.targetKey).map { [$0] } ?? []
            case .subject: records = try ledger.records(subjectKey: submission.targetKey)
            }
            // Not recorded: a hypothetical request, so it has no id (0).
            requests.append(DeletionRequest(
                id: 0, targetKind: submission.targetKind, targetKey: submission.targetKey,
                receivedAt: now, dueAt: submission.dueAt, records: records))
        }
        let manifest = try liveVersion().manifest
        let outcome = try self.plan(requests, manifest: manifest)
        let change = outcome.plan.isEmpty ? nil : try schemaChange(manifest, removing: outcome.deletions)
        var plan = change?.changes == true ? rebuildPlan(outcome, requests: requests, manifest: manifest) : outcome.plan
        plan.requests = []
        return (plan, change)
    }
}
