import Foundation

/// One training or retraining job as recorded in the ledger.
public struct RetrainJob: Sendable, Hashable, Codable {
    public var id: Int64
    public var kind: JobKind
    public var startedAt: Date
    public var finishedAt: Date?
    public var status: JobStatus
    /// JSON plan written by the orchestrator (opaque to the ledger).
    public var plan: String
    public var seconds: Double?
    public var error: String?
    public var worker: String?

    public init(
        id: Int64, kind: JobKind, startedAt: Date, finishedAt: Date? = nil, status: JobStatus, plan: String,
        seconds: Double? = nil, error: String? = nil, worker: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.status = status
        self.plan = plan
        self.seconds = seconds
        self.error = error
        self.worker = worker
    }
}
