import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import UnlearnLedger
import UnlearnStore

/// Durable intake at service speed: concurrent `POST /v1/deletions` calls are committed in
/// groups, one ledger transaction (one fsync) per group, each call all-or-nothing on its own.
///
/// One writer thread takes everything queued, validates it against the record index, commits
/// it, and only then answers each caller. While a commit's fsync runs, new calls queue up and
/// form the next group, so the group size follows the load with no timer.
final class IntakeBatcher: Service, Sendable {
    /// One call: its submissions, already keyed by the handler (the keyed hashes are computed
    /// on the caller's thread, not the single writer's).
    struct Entry: Sendable {
        var submissions: [DeletionSubmission]
        var externalID: String?
        var callbacks: RequestCallbacks?
    }

    enum Outcome: Sendable {
        case recorded([SubmissionResult], repeated: Bool)
        case unknown(position: Int, kind: TargetKind)
        case conflict(position: Int)
    }

    private struct Waiting: Sendable {
        var entry: Entry
        var continuation: CheckedContinuation<Outcome, any Error>
    }

    private struct Queue: Sendable {
        var items: [Waiting] = []
        var stopped = false
    }

    private let store: Store
    private let logger: Logger
    private let queue = Mutex(Queue())
    private let signal = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let maxGroup = 1024
    /// What a group commit created: its new requests, and whether it queued callbacks.
    struct Commit: Sendable {
        var created: [SubmissionResult]
        var queuedCallbacks: Bool
    }

    let onCommit: @Sendable (Commit) -> Void
    let metrics: ServiceMetrics

    /// `nice`: the writer thread's nice value (0 leaves it at the process's).
    init(store: Store, metrics: ServiceMetrics, nice: Int32, logger: Logger, onCommit: @escaping @Sendable (Commit) -> Void) {
        self.store = store
        self.metrics = metrics
        self.logger = logger
        self.onCommit = onCommit
        Thread.startNamed("unlearn-intake") { [self] in
            // The writer is intake's one serial stage: every caller waits for its commits. At
            // equal priority it spent a fifth of its time waiting for a core behind the handlers
            // that feed it, with the machine 14% idle; above them, intake ran 1.1x faster.
            // Only ever a raise: a process started above it (say at -15) keeps its priority.
            if nice != 0, nice < Thread.currentNice, !Thread.setCurrentNice(nice) {
                let error = errno  // before logging can overwrite it
                logger.notice("intake writer keeps the process's priority: nice \(nice) needs CAP_SYS_NICE or RLIMIT_NICE (systemd LimitNICE=\(nice)); intake is then about 10% slower on busy cores",
                              metadata: ["errno": "\(error)"])
            }
            self.writerLoop()
        }
    }

    /// Queues one call and returns once its group has committed (or failed).
    func submit(_ entry: Entry) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = queue.withLock { queue -> Bool in
                guard !queue.stopped else { return false }
                queue.items.append(Waiting(entry: entry, continuation: continuation))
                return true
            }
            if accepted { signal.signal() } else { continuation.resume(throwing: APIError.unavailable) }
        }
    }

    func run() async throws {
        // The writer thread runs from init; on graceful shutdown stop taking new calls, let it
        // commit what is queued, and wait for it.
        try? await gracefulShutdown()
        stop()
    }

    /// Refuses new calls, commits the queued ones, and waits for the writer thread to end.
    func stop() {
        let first = queue.withLock { queue -> Bool in
            defer { queue.stopped = true }
            return !queue.stopped
        }
        guard first else { return }
        signal.signal()
        finished.wait()
    }

    private func writerLoop() {
        while true {
            signal.wait()
            while true {
                let (batch, stopped) = queue.withLock { queue -> ([Waiting], Bool) in
                    let count = min(queue.items.count, maxGroup)
                    let batch = Array(queue.items.prefix(count))
                    queue.items.removeFirst(count)
                    return (batch, queue.stopped)
                }
                if batch.isEmpty {
                    if stopped {
                        finished.signal()
                        return
                    }
                    break
                }
                commit(batch)
            }
        }
    }

    private func commit(_ batch: [Waiting]) {
        let groups = batch.map { IntakeGroup(submissions: $0.entry.submissions, externalID: $0.entry.externalID, callbacks: $0.entry.callbacks) }
        do {
            let started = ContinuousClock.now
            let outcomes = try store.ledger.submitGroups(groups)
            let elapsed = ContinuousClock.now - started
            metrics.intakeGroups.increment()
            metrics.intakeCommit.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
            metrics.intakeGroupSize.record(groups.count)
            var created: [SubmissionResult] = []
            var queuedCallbacks = false
            for (waiting, outcome) in zip(batch, outcomes) {
                switch outcome {
                case .recorded(let results, let repeated):
                    created += results.filter(\.created)
                    if waiting.entry.callbacks?.isEmpty == false, results.contains(where: \.created) { queuedCallbacks = true }
                    waiting.continuation.resume(returning: .recorded(results, repeated: repeated))
                case .failed(let position, let error):
                    switch error {
                    case .unknownRecord: waiting.continuation.resume(returning: .unknown(position: position, kind: .record))
                    case .unknownSubject: waiting.continuation.resume(returning: .unknown(position: position, kind: .subject))
                    default: waiting.continuation.resume(returning: .conflict(position: position))
                    }
                }
            }
            if !created.isEmpty { onCommit(Commit(created: created, queuedCallbacks: queuedCallbacks)) }
        } catch {
            logger.error("intake group commit failed", metadata: ["group.size": "\(groups.count)", "error.type": "\(type(of: error))"])
            for waiting in batch { waiting.continuation.resume(throwing: error) }
        }
    }
}
