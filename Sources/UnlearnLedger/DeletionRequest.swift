import Foundation

/// What a deletion request names: one record, or every record of one data subject.
public enum TargetKind: String, Sendable, Hashable, Codable, CaseIterable {
    case record
    case subject
}

/// Where a deletion request is in its lifecycle.
public enum RequestStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Acknowledged and durable; waiting for a retrain.
    case pending
    /// A published model version no longer contains the covered records.
    case completed
    /// Refused by an operator; its records went back to `live`.
    case rejected
}

/// A deletion request with the records it covers.
public struct DeletionRequest: Sendable, Hashable, Codable {
    public var id: Int64
    public var targetKind: TargetKind
    /// Keyed hash of the record or subject named by the requester.
    public var targetKey: String
    public var receivedAt: Date
    public var dueAt: Date
    public var requestedBy: String?
    public var reason: String?
    public var status: RequestStatus
    /// When it was completed (or rejected).
    public var completedAt: Date?
    /// The retrain job that completed it.
    public var jobID: Int64?
    /// The first model version without its records.
    public var modelVersion: Int?
    /// Completion receipt (JSON, written by the orchestrator).
    public var receipt: String?
    /// The records it covers, with their shard and slice and *current* state.
    public var records: [RecordEntry]

    public init(
        id: Int64, targetKind: TargetKind, targetKey: String, receivedAt: Date, dueAt: Date,
        requestedBy: String? = nil, reason: String? = nil, status: RequestStatus = .pending,
        completedAt: Date? = nil, jobID: Int64? = nil, modelVersion: Int? = nil,
        receipt: String? = nil, records: [RecordEntry] = []
    ) {
        self.id = id
        self.targetKind = targetKind
        self.targetKey = targetKey
        self.receivedAt = receivedAt
        self.dueAt = dueAt
        self.requestedBy = requestedBy
        self.reason = reason
        self.status = status
        self.completedAt = completedAt
        self.jobID = jobID
        self.modelVersion = modelVersion
        self.receipt = receipt
        self.records = records
    }

    /// The distinct shards its records live in, ascending.
    public var shards: [Int] { Array(Set(records.map(\.shard))).sorted() }
}

/// A deletion request as received at intake, before it has an id.
public struct DeletionSubmission: Sendable, Hashable, Codable {
    public var targetKind: TargetKind
    public var targetKey: String
    public var receivedAt: Date
    public var dueAt: Date
    public var requestedBy: String?
    public var reason: String?

    public init(
        targetKind: TargetKind, targetKey: String, receivedAt: Date, dueAt: Date,
        requestedBy: String? = nil, reason: String? = nil
    ) {
        self.targetKind = targetKind
        self.targetKey = targetKey
        self.receivedAt = receivedAt
        self.dueAt = dueAt
        self.requestedBy = requestedBy
        self.reason = reason
    }
}

/// The outcome of one submission at intake.
public struct SubmissionResult: Sendable, Hashable, Codable {
    /// The new request, or the existing one that already covers the target.
    public var request: DeletionRequest
    /// False when the submission repeated an earlier one (idempotent intake).
    public var created: Bool

    public init(request: DeletionRequest, created: Bool) {
        self.request = request
        self.created = created
    }
}
