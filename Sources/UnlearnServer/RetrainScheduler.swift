import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import UnlearnLedger
import UnlearnStore

/// What the scheduler is doing, for `GET /v1/status`.
struct SchedulerState: Sendable, Codable {
    /// idle, waiting (requests pending, policy not met yet), running, deferred (lock held elsewhere), stopped, disabled.
    var state: String = "idle"
    var lastRunTime: Date?
    var lastResult: String?
    var lastError: String?
    var runs = 0

    enum CodingKeys: String, CodingKey {
        case state, runs
        case lastRunTime = "last_run_time"
        case lastResult = "last_result"
        case lastError = "last_error"
    }
}

/// Retrains inside the service, with the policies of `unlearn retrain` plus a batch window.
///
/// One retrain runs at a time (a serial queue), under the store lock that CLI and cron
/// retrains take too: whoever comes second finds the lock held, and the scheduler defers and
/// tries again. Every pending request goes into the next run, so the ones nearest their due
/// date never wait behind others. On graceful shutdown it starts nothing new and waits for a
/// running retrain to publish; a process killed mid-run leaves it to start-up recovery.
final class RetrainScheduler: Service, Sendable {
    private let store: Store
    private let options: ServeOptions
    private let metrics: ServiceMetrics
    private let model: ModelHolder
    private let logger: Logger
    private let status = Mutex(SchedulerState())
    private let wake = Mutex(false)
    /// Called after every run: a job's start, failure and publish queue callbacks.
    private let afterRun: @Sendable () -> Void

    init(store: Store, options: ServeOptions, metrics: ServiceMetrics, model: ModelHolder, logger: Logger,
         afterRun: @escaping @Sendable () -> Void = {}) {
        self.afterRun = afterRun
        self.store = store
        self.options = options
        self.metrics = metrics
        self.model = model
        self.logger = logger
        if !options.schedulerEnabled { status.withLock { $0.state = "disabled" } }
    }

    var state: SchedulerState { status.withLock { $0 } }

    /// Intake calls this after a commit: look at the queue on the next tick, not a second later.
    func notify() { wake.withLock { $0 = true } }

    func run() async throws {
        guard options.schedulerEnabled else {
            try? await gracefulShutdown()
            return
        }
        var lastCheck = ContinuousClock.now - .seconds(10)
        var backoffUntil = ContinuousClock.now
        while !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: .milliseconds(50))
            if Task.isShuttingDownGracefully { break }
            let now = ContinuousClock.now
            let woken = wake.withLock { flag in defer { flag = false }; return flag }
            guard now >= backoffUntil, woken || now - lastCheck >= .seconds(options.pollInterval) || state.state == "waiting" else { continue }
            lastCheck = now
            do {
                let store = self.store
                let stats = try await Blocking.run { try store.ledger.pendingStats(now: Date()) }
                guard let reason = due(stats, now: Date()) else {
                    status.withLock { $0.state = stats.count > 0 ? "waiting" : "idle" }
                    continue
                }
                logger.info("scheduled retrain", metadata: ["retrain.reason": "\(reason)", "requests.pending": "\(stats.count)"])
                if stats.overdue > 0 {
                    logger.warning("overdue deletion requests", metadata: ["requests.overdue": "\(stats.overdue)"])
                }
                if try await retrainNow() == nil { backoffUntil = ContinuousClock.now + .seconds(1) }
            } catch {
                backoffUntil = ContinuousClock.now + .seconds(2)
            }
        }
        status.withLock { $0.state = "stopped" }
    }

    /// Why to run now, or nil to wait. Overdue requests always run.
    func due(_ stats: PendingStats, now: Date) -> String? {
        guard stats.count > 0, let oldest = stats.oldestReceived else { return nil }
        if stats.overdue > 0 { return "overdue" }
        let age = now.timeIntervalSince(oldest)
        guard age >= options.batchWindow else { return nil }
        let policies = options.ifPending != nil || options.maxWait != nil || options.beforeDue != nil
        if !policies { return "pending" }
        if let n = options.ifPending, stats.count >= n { return "if-pending" }
        if let wait = options.maxWait, age >= wait { return "max-wait" }
        if let margin = options.beforeDue, let due = stats.earliestDue, due.timeIntervalSince(now) <= margin { return "before-due" }
        return nil
    }

    /// Runs one retrain on the serial retrain queue and reloads the model after it publishes.
    /// A lock held by another job answers nil (nothing ran).
    func retrainNow() async throws -> RetrainReport? {
        status.withLock { $0.state = "running" }
        let store = self.store, metrics = self.metrics, model = self.model
        let started = ContinuousClock.now
        defer { afterRun() }
        do {
            let result = try await Blocking.run(on: Blocking.retrains) { () throws -> RetrainReport? in
                // On a thread at the training priority, so predictions keep their latency.
                try BackgroundWork.wait { () throws -> RetrainReport? in
                    do {
                        let report = try store.retrain(RetrainPolicy(), now: Date(), showProgress: false)
                        if report.status == .completed { try model.refresh() }
                        return report
                    } catch let error as UnlearnError where error.category == .busy {
                        return nil
                    }
                }
            }
            guard let report = result else {
                status.withLock {
                    $0.lastRunTime = Date()
                    $0.lastResult = "busy"
                    $0.state = "deferred"
                }
                logger.info("retrain deferred: another job holds the store lock")
                return nil
            }
            let elapsed = ContinuousClock.now - started
            status.withLock {
                $0.lastRunTime = Date()
                $0.lastResult = report.status.rawValue
                $0.lastError = nil
                $0.runs += 1
                $0.state = "idle"
            }
            if report.status == .completed {
                metrics.retrains.increment()
                metrics.retrainDuration.recordNanoseconds(Int64(elapsed.components.seconds) * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
                metrics.shardsRetrained.increment(by: Int64(report.plan?.shards.count ?? 0))
                metrics.requestsCompleted.increment(by: Int64(report.completedRequests.count))
                metrics.lastSuccessfulRetrain.record(Date().timeIntervalSince1970)
                if let version = report.version { metrics.modelVersion.record(version) }
                logger.info("retrain published", metadata: [
                    "model.version": "\(report.version ?? 0)", "requests.completed": "\(report.completedRequests.count)",
                    "shards": "\(report.plan?.shards.count ?? 0)", "seconds": "\(report.seconds)",
                ])
            }
            return report
        } catch {
            metrics.retrainFailures.increment()
            status.withLock {
                $0.lastRunTime = Date()
                $0.lastResult = "failed"
                $0.lastError = "\(type(of: error))"
                $0.runs += 1
                $0.state = "idle"
            }
            logger.error("retrain failed", metadata: ["error.type": "\(type(of: error))"])
            throw error
        }
    }
}

/// Watches the ledger for versions published by other processes (CLI, cron), reloads the
/// ensemble, and refreshes the pending-request gauges.
final class ModelWatcher: Service, Sendable {
    private let store: Store
    private let model: ModelHolder
    private let metrics: ServiceMetrics
    private let interval: TimeInterval
    private let logger: Logger
    /// Called after it loads a new version (completion callbacks wait for the served version).
    private let onNewVersion: @Sendable () -> Void

    init(store: Store, model: ModelHolder, metrics: ServiceMetrics, interval: TimeInterval, logger: Logger,
         onNewVersion: @escaping @Sendable () -> Void) {
        self.store = store
        self.model = model
        self.metrics = metrics
        self.interval = interval
        self.logger = logger
        self.onNewVersion = onNewVersion
    }

    func run() async throws {
        let store = self.store
        // The last successful retrain before this process, for the "no retrain in N hours" alert.
        if let last = try? await Blocking.run({ try store.ledger.jobs(limit: 50).first { $0.status == .completed }?.finishedAt }) {
            metrics.lastSuccessfulRetrain.record(last.timeIntervalSince1970)
        }
        var warnedOverdue = 0
        while !Task.isShuttingDownGracefully {
            let store = self.store, model = self.model
            do {
                let before = model.current?.version
                let (version, stats) = try await Blocking.run { () throws -> (Int?, PendingStats) in
                    (try model.refresh(), try store.ledger.pendingStats(now: Date()))
                }
                if let version {
                    metrics.modelVersion.record(version)
                    if version != before { onNewVersion() }
                }
                metrics.pending.record(stats.count)
                metrics.overdue.record(stats.overdue)
                metrics.oldestPendingAge.record(stats.oldestReceived.map { Date().timeIntervalSince($0) } ?? 0)
                if stats.overdue > warnedOverdue {
                    logger.warning("deletion requests are overdue", metadata: ["requests.overdue": "\(stats.overdue)"])
                }
                warnedOverdue = stats.overdue
            } catch {
                logger.error("model watcher failed", metadata: ["error.type": "\(type(of: error))"])
            }
            // A shutdown ends the wait at once instead of after up to `interval`.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(self.interval)) }
        }
    }
}
