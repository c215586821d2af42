import Foundation
import UnlearnStore
import Logging

/// How `unlearn serve` runs: where it listens, which store it serves, and the scheduler's policy.
public struct ServeOptions: Sendable {
    /// The store directory.
    public var store: String
    public var host: String = "127.0.0.1"
    /// 0 picks a free port.
    public var port: Int = 8080
    /// Serve `/metrics` on its own port too (it stays on the main port as well).
    public var metricsPort: Int?
    /// Largest request body accepted; larger ones get 413.
    public var maxBodyBytes: Int = 1 << 20
    /// Most rows one predict call may send.
    public var maxPredictRows: Int = 10_000
    /// Scheduler policy, as `unlearn retrain`: any condition set makes the scheduler wait for one
    /// to hold (an overdue request always runs). With none set it retrains soon after requests arrive.
    public var ifPending: Int?
    public var maxWait: TimeInterval?
    public var beforeDue: TimeInterval?
    /// Gather requests that arrive close together: wait this long after the oldest pending one.
    public var batchWindow: TimeInterval = 0.2
    /// The CPU priority of retrain threads: idle (the default) lets predictions on the same cores run first.
    public var retrainPriority: BackgroundWork.Priority = .idle
    /// The nice value of the intake writer thread, -20…0: above the handlers that feed it
    /// (0 leaves it at the process's priority). Needs CAP_SYS_NICE or RLIMIT_NICE; without them
    /// the writer keeps the process's priority and the service logs a notice.
    public var intakeNice: Int32 = -10
    /// Turn the scheduler off (retrains then come only from `POST /v1/retrain` or the CLI).
    public var schedulerEnabled = true
    /// How often the model watcher looks for a version published by another process, and
    /// refreshes the pending-request metrics.
    public var pollInterval: TimeInterval = 0.5
    /// fides's base URL (`--fides-url`): erasure callbacks go to it plus each request's reply-to path.
    public var fidesURL: String?
    /// Retries, back-off and concurrency of outgoing callbacks.
    public var callbackPolicy = CallbackPolicy()
    /// Called once the server accepts connections, with the bound host and port.
    public var onListening: (@Sendable (String, Int) -> Void)?
    public var logger: Logger = Logger(label: "unlearn.serve")

    public init(store: String) {
        self.store = store
    }
}
