/// What an audit event records. The raw value is what the chain stores and hashes.
///
/// A struct rather than an enum, so that a ledger written by a newer version (with kinds this
/// one does not know) still reads and verifies.
public struct AuditEventKind: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// `unlearn init` finished importing (payload: counts and the source's sha256).
    public static let storeCreated = Self(rawValue: "store.created")
    /// Records entered the record index.
    public static let recordsIndexed = Self(rawValue: "records.indexed")
    /// A deletion request was acknowledged.
    public static let requestReceived = Self(rawValue: "request.received")
    /// An operator refused a pending request.
    public static let requestRejected = Self(rawValue: "request.rejected")
    /// A published version no longer holds the request's records (payload: the receipt).
    public static let requestCompleted = Self(rawValue: "request.completed")
    public static let jobStarted = Self(rawValue: "job.started")
    public static let jobFailed = Self(rawValue: "job.failed")
    public static let versionPublished = Self(rawValue: "version.published")
    /// Superseded files were removed after a publish.
    public static let filesPurged = Self(rawValue: "files.purged")
    /// Start-up recovery removed orphan files or marked interrupted jobs failed.
    public static let storeRecovered = Self(rawValue: "store.recovered")
    public static let verifyPassed = Self(rawValue: "verify.passed")
    public static let verifyFailed = Self(rawValue: "verify.failed")
    /// The service issued or revoked a bearer token (name and role; never the token).
    public static let tokenCreated = Self(rawValue: "token.created")
    public static let tokenRevoked = Self(rawValue: "token.revoked")
    /// A pending request was cancelled through the API.
    public static let requestCancelled = Self(rawValue: "request.cancelled")
    /// `unlearn serve` started on this store.
    public static let serviceStarted = Self(rawValue: "service.started")
}

/// What a job does.
public enum JobKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Trains shards from scratch (all of them, or the ones named in its plan).
    case train
    /// Unlearns pending requests: rewrites rows and retrains affected shards from a checkpoint.
    case retrain
}

/// Where a job is.
public enum JobStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case running
    /// It published a version.
    case completed
    /// It stopped with an error, or was interrupted and marked failed by recovery.
    case failed
}

/// How a model version came to be.
public enum VersionKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// `unlearn init`: rows only, nothing trained.
    case imported = "import"
    case train
    case retrain
}

extension AuditEventKind {
    /// fides acknowledged the erasure callback (payload: the outbox row, attempts, HTTP status).
    public static let callbackDelivered = Self(rawValue: "callback.delivered")
    /// A callback was given up after its last attempt (payload: target, attempts, last error).
    public static let callbackGivenUp = Self(rawValue: "callback.given_up")
    /// An operator made failing or given-up callbacks due again (`unlearn callbacks retry`).
    public static let callbackRetried = Self(rawValue: "callback.retried")
}
