import Foundation

/// How the callback sender retries: exponential back-off with a cap, and when it gives up.
///
/// Defaults: 1 s doubling to 10 min; a row is given up 3 days after it was queued (about 440
/// attempts), or after 5 answers of 401/403 (a revoked or wrong token will not heal by itself;
/// `unlearn callbacks retry` sends it again once fixed). At most 8 deliveries at once, each with
/// a 10 s timeout.
public struct CallbackPolicy: Sendable {
    public var initialDelay: TimeInterval = 1
    public var maxDelay: TimeInterval = 600
    public var giveUpAfter: TimeInterval = 3 * 86_400
    public var authAttempts = 5
    public var concurrency = 8
    public var timeout: TimeInterval = 10
    /// The longest the sender sleeps without a wake-up (rows committed by other processes,
    /// such as a CLI retrain, are seen within this).
    public var maxIdle: TimeInterval = 2

    public init() {}

    /// The wait before the next attempt, after `attempts` failed ones (1, 2, 4, … capped).
    public func delay(afterAttempts attempts: Int) -> TimeInterval {
        min(maxDelay, initialDelay * pow(2, Double(max(0, min(attempts - 1, 40)))))
    }

    /// What to record after a failed attempt of a row (with `attempts` tries including this one).
    func outcome(error: String, httpStatus: Int?, attempts: Int, queuedAt: Date, now: Date) -> DeliveryOutcome {
        if let httpStatus, httpStatus == 401 || httpStatus == 403, attempts >= authAttempts { return .givenUp }
        if now.timeIntervalSince(queuedAt) >= giveUpAfter { return .givenUp }
        return .retry(at: now.addingTimeInterval(delay(afterAttempts: attempts)))
    }

    enum DeliveryOutcome: Equatable {
        case retry(at: Date)
        case givenUp
    }
}
