import Foundation

/// One training or retraining job as recorded in the ledger.
public struct RetrainJob: Sendable, Hashable, Codable {
    public var id: Int64
    public var startedAt: Date
    public var finishedAt: Date?
    /// `running`, `completed` or `failed`.
    public var status: String
    /// JSON plan written by the orchestrator (opaque to the ledger).
    public var plan: String
    public var seconds: Double?
    public var error: String?
    public var worker: String?

    public init(
        id: Int64, startedAt: Date, finishedAt: Date? = nil, status: String, plan: String,
        seconds: Double? = nil, error: String? = nil, worker: String? = nil
    ) {
        self.id = id
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.status = status
        self.plan = plan
        self.seconds = seconds
        self.error = error
        self.worker = worker
    }
}
