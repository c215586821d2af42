import Foundation

/// Where one deletion request wants to hear back: fides's reply-to path and bearer token, and
/// the caller's status callback URLs.
public struct RequestCallbacks: Sendable, Hashable {
    /// fides's `reply-to` header: a path on the fides server (`/api/v1/request-task/callback`).
    public var replyTo: String?
    /// fides's `reply-to-token` header: the bearer token of the callback. Secret: stored only in
    /// the owner-only ledger, never logged or shown.
    public var replyToken: String?
    /// `status_callback_urls`: each gets a POST on every status change.
    public var statusURLs: [String]

    public init(replyTo: String? = nil, replyToken: String? = nil, statusURLs: [String] = []) {
        self.replyTo = replyTo
        self.replyToken = replyToken
        self.statusURLs = statusURLs
    }

    public var isEmpty: Bool { replyTo == nil && statusURLs.isEmpty }
}

/// Who a delivery goes to.
public enum CallbackTarget: String, Sendable, Hashable, Codable, CaseIterable {
    /// fides's callback: `{"rows_masked": N}` to the fides base URL plus the reply-to path.
    case fides
    /// A caller's status URL: `{"deletion_id", "external_id", "status", "time"}`, signed.
    case status
}

/// One row of the callback outbox.
public struct OutboxEntry: Sendable, Hashable {
    public var id: Int64
    public var requestID: Int64
    public var target: CallbackTarget
    /// A status URL, or for fides the reply-to path.
    public var url: String
    /// The API status the delivery reports (`pending`, `in_progress`, `failed`, `completed`, `cancelled`).
    public var status: String
    public var body: String
    public var createdAt: Date
    /// Waits until this version (and every earlier one) is purged.
    public var heldForVersion: Int?
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var lastAttemptAt: Date?
    public var deliveredAt: Date?
    public var givenUpAt: Date?
    /// fides's bearer token (fides rows only; filled in when the sender reads due rows).
    public var token: String?

    /// Neither delivered nor given up.
    public var isOpen: Bool { deliveredAt == nil && givenUpAt == nil }
    /// Open and tried at least once without success.
    public var isFailing: Bool { (isOpen && attempts > 0 && lastError != nil) || givenUpAt != nil }
}

/// How an attempt ended, as the sender reports it to the ledger.
public enum DeliveryResult: Sendable, Hashable {
    case delivered
    /// Try again at `next` (the error is a status code or a transport error's kind, never an id).
    case retry(error: String, next: Date)
    case givenUp(error: String)
}

/// The outbox at a glance, for `/v1/status` and metrics.
public struct OutboxSummary: Sendable, Hashable {
    /// Open rows (including held ones).
    public var pending: Int
    /// Rows given up on.
    public var givenUp: Int
    /// Targets whose open rows failed at least once, or that were given up on, worst first.
    public var failing: [FailingTarget]

    public struct FailingTarget: Sendable, Hashable {
        /// `fides` or the status URL's host (never a path, which could hold ids).
        public var host: String
        public var target: CallbackTarget
        public var attempts: Int
        public var lastError: String?
        public var givenUp: Bool
    }
}
