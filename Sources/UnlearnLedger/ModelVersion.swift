import Foundation

/// One published model version: an ensemble whose manifest is opaque to the ledger.
public struct ModelVersion: Sendable, Hashable, Codable {
    public var version: Int
    public var createdAt: Date
    public var parent: Int?
    /// The job that produced it (nil for imports).
    public var jobID: Int64?
    public var kind: VersionKind
    /// JSON written by the orchestrator (per-shard checkpoint hashes and so on).
    public var manifest: String
    public var manifestSHA256: String

    public init(
        version: Int, createdAt: Date, parent: Int?, jobID: Int64?, kind: VersionKind,
        manifest: String, manifestSHA256: String
    ) {
        self.version = version
        self.createdAt = createdAt
        self.parent = parent
        self.jobID = jobID
        self.kind = kind
        self.manifest = manifest
        self.manifestSHA256 = manifestSHA256
    }
}

/// Everything `Ledger.publish(_:)` writes in its one transaction.
public struct PublishInput: Sendable, Hashable {
    /// The version the new one was built from; must still be the latest.
    public var parent: Int?
    public var kind: VersionKind
    public var manifest: String
    public var manifestSHA256: String
    /// The running job to finish as completed, if any.
    public var jobID: Int64?
    /// Pending requests whose records the new version no longer contains.
    public var completedRequests: [Int64]
    /// Receipt JSON per completed request; one is required for each.
    public var receipts: [Int64: String]
    public var at: Date
    /// Job duration; defaults to `at - job.startedAt`.
    public var jobSeconds: Double?

    public init(
        parent: Int?, kind: VersionKind, manifest: String, manifestSHA256: String,
        jobID: Int64? = nil, completedRequests: [Int64] = [], receipts: [Int64: String] = [:],
        at: Date, jobSeconds: Double? = nil
    ) {
        self.parent = parent
        self.kind = kind
        self.manifest = manifest
        self.manifestSHA256 = manifestSHA256
        self.jobID = jobID
        self.completedRequests = completedRequests
        self.receipts = receipts
        self.at = at
        self.jobSeconds = jobSeconds
    }
}
