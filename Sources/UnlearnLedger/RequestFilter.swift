import Foundation

/// Filters for `Ledger.queryRequests(_:)`; all set filters are ANDed, nil means no filter.
public struct RequestFilter: Sendable, Hashable {
    /// Requests covering this record.
    public var recordKey: String?
    /// Subject requests naming this subject, or requests covering any of its records.
    public var subjectKey: String?
    public var requestID: Int64?
    /// `received_at >= since`.
    public var since: Date?
    /// `received_at < until`.
    public var until: Date?
    /// Requests covering at least one record in this shard.
    public var shard: Int?
    public var status: RequestStatus?
    /// Pending requests with `due_at < overdueAt`.
    public var overdueAt: Date?
    public var limit: Int?

    public init(
        recordKey: String? = nil, subjectKey: String? = nil, requestID: Int64? = nil,
        since: Date? = nil, until: Date? = nil, shard: Int? = nil, status: RequestStatus? = nil,
        overdueAt: Date? = nil, limit: Int? = nil
    ) {
        self.recordKey = recordKey
        self.subjectKey = subjectKey
        self.requestID = requestID
        self.since = since
        self.until = until
        self.shard = shard
        self.status = status
        self.overdueAt = overdueAt
        self.limit = limit
    }
}
