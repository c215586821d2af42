import Foundation

/// One link of the append-only audit hash chain.
public struct AuditEvent: Sendable, Hashable, Codable {
    public var seq: Int64
    public var at: Date
    /// The exact stored timestamp (unix seconds) that the hash covers.
    ///
    /// `at` is derived from it; converting a `Date` back may not reproduce these bits,
    /// so external verifiers should hash this value.
    public var atSeconds: Double
    public var kind: AuditEventKind
    public var requestID: Int64?
    public var recordKey: String?
    public var shard: Int?
    /// JSON.
    public var payload: String
    public var prevHash: String
    public var hash: String

    public init(
        seq: Int64, atSeconds: Double, kind: AuditEventKind, requestID: Int64?, recordKey: String?,
        shard: Int?, payload: String, prevHash: String, hash: String
    ) {
        self.seq = seq
        self.at = Date(timeIntervalSince1970: atSeconds)
        self.atSeconds = atSeconds
        self.kind = kind
        self.requestID = requestID
        self.recordKey = recordKey
        self.shard = shard
        self.payload = payload
        self.prevHash = prevHash
        self.hash = hash
    }
}

/// The outcome of re-checking the audit chain.
public struct ChainReport: Sendable, Hashable, Codable {
    /// Events examined, including the first broken one.
    public var eventsChecked: Int
    /// The first seq where the chain does not hold, or nil when it is intact.
    public var firstBrokenSeq: Int64?
    /// Why it broke there.
    public var reason: String?

    public init(eventsChecked: Int, firstBrokenSeq: Int64? = nil, reason: String? = nil) {
        self.eventsChecked = eventsChecked
        self.firstBrokenSeq = firstBrokenSeq
        self.reason = reason
    }

    /// True when every event's hash and link recomputed correctly.
    public var isIntact: Bool { firstBrokenSeq == nil }
}
