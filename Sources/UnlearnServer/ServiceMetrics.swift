import Foundation
import Metrics
import Prometheus
import Synchronization
import UnlearnLedger

/// The service's metrics, through swift-metrics with a Prometheus factory of its own (no global
/// bootstrap, so tests can build several applications in one process). Labels are route
/// templates and status codes only: never ids.
final class ServiceMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

    let requestsReceived: Metrics.Counter
    let requestsRepeated: Metrics.Counter
    let requestsCompleted: Metrics.Counter
    let requestsCancelled: Metrics.Counter
    let intakeRejected: Metrics.Counter
    let intakeGroups: Metrics.Counter
    let intakeCommit: Metrics.Timer
    let intakeGroupSize: Metrics.Recorder
    let pending: Metrics.Gauge
    let oldestPendingAge: Metrics.Gauge
    let overdue: Metrics.Gauge
    let modelVersion: Metrics.Gauge
    let retrains: Metrics.Counter
    let retrainFailures: Metrics.Counter
    let retrainDuration: Metrics.Timer
    let shardsRetrained: Metrics.Counter
    let lastSuccessfulRetrain: Metrics.Gauge
    let predictLatency: Metrics.Timer
    let predictRows: Metrics.Counter
    let callbacksPending: Metrics.Gauge
    let callbacksFailing: Metrics.Gauge

    init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        let fast: [Duration] = [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5].map { .seconds($0) }
        let slow: [Duration] = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600].map { .seconds($0) }
        factory.durationHistogramBuckets = [
            "unlearn_predict_duration_seconds": fast, "unlearn_retrain_duration_seconds": slow,
            "unlearn_http_request_duration_seconds": fast, "unlearn_intake_commit_duration_seconds": fast,
        ]
        factory.valueHistogramBuckets = ["unlearn_intake_group_size": [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]]
        self.registry = registry
        self.factory = factory
        requestsReceived = Metrics.Counter(label: "unlearn_deletion_requests_received_total", factory: factory)
        requestsRepeated = Metrics.Counter(label: "unlearn_deletion_requests_repeated_total", factory: factory)
        requestsCompleted = Metrics.Counter(label: "unlearn_deletion_requests_completed_total", factory: factory)
        requestsCancelled = Metrics.Counter(label: "unlearn_deletion_requests_cancelled_total", factory: factory)
        intakeRejected = Metrics.Counter(label: "unlearn_deletion_intake_rejected_total", factory: factory)
        intakeGroups = Metrics.Counter(label: "unlearn_intake_group_commits_total", factory: factory)
        intakeCommit = Metrics.Timer(label: "unlearn_intake_commit_duration_seconds", factory: factory)
        intakeGroupSize = Metrics.Recorder(label: "unlearn_intake_group_size", factory: factory)
        pending = Metrics.Gauge(label: "unlearn_deletion_requests_pending", factory: factory)
        oldestPendingAge = Metrics.Gauge(label: "unlearn_oldest_pending_age_seconds", factory: factory)
        overdue = Metrics.Gauge(label: "unlearn_deletion_requests_overdue", factory: factory)
        modelVersion = Metrics.Gauge(label: "unlearn_model_version", factory: factory)
        retrains = Metrics.Counter(label: "unlearn_retrains_total", factory: factory)
        retrainFailures = Metrics.Counter(label: "unlearn_retrain_failures_total", factory: factory)
        retrainDuration = Metrics.Timer(label: "unlearn_retrain_duration_seconds", factory: factory)
        shardsRetrained = Metrics.Counter(label: "unlearn_shards_retrained_total", factory: factory)
        lastSuccessfulRetrain = Metrics.Gauge(label: "unlearn_last_successful_retrain_timestamp_seconds", factory: factory)
        predictLatency = Metrics.Timer(label: "unlearn_predict_duration_seconds", factory: factory)
        predictRows = Metrics.Counter(label: "unlearn_predict_rows_total", factory: factory)
        callbacksPending = Metrics.Gauge(label: "unlearn_callbacks_pending", factory: factory)
        callbacksFailing = Metrics.Gauge(label: "unlearn_callbacks_failing_targets", factory: factory)
    }

    private struct HTTPKey: Hashable {
        var route: String
        var method: String
        var status: Int
    }
    private struct HTTPMetrics: @unchecked Sendable {
        var counter: Metrics.Counter
        var timer: Metrics.Timer
    }
    /// One counter and timer per (route template, method, status), made once.
    private let http = Mutex<[HTTPKey: HTTPMetrics]>([:])

    func httpRequest(route: String, method: String, status: Int, nanoseconds: UInt64) {
        let key = HTTPKey(route: route, method: method, status: status)
        let metrics = http.withLock { cache -> HTTPMetrics in
            if let found = cache[key] { return found }
            let made = HTTPMetrics(
                counter: Metrics.Counter(label: "unlearn_http_requests_total", dimensions: [("route", route), ("method", method), ("status", String(status))], factory: factory),
                timer: Metrics.Timer(label: "unlearn_http_request_duration_seconds", dimensions: [("route", route), ("method", method)], factory: factory))
            cache[key] = made
            return made
        }
        metrics.counter.increment()
        metrics.timer.recordNanoseconds(Int64(nanoseconds))
    }

    private struct DeliveryKey: Hashable {
        var target: String
        var outcome: String
    }
    private let deliveries = Mutex<[DeliveryKey: CounterBox]>([:])
    private struct CounterBox: @unchecked Sendable { var counter: Metrics.Counter }

    /// `unlearn_callback_deliveries_total{target,outcome}`: outcome is delivered, retry or given_up.
    func callbackDelivery(target: CallbackTarget, outcome: String) {
        let key = DeliveryKey(target: target.rawValue, outcome: outcome)
        let box = deliveries.withLock { cache -> CounterBox in
            if let found = cache[key] { return found }
            let made = CounterBox(counter: Metrics.Counter(
                label: "unlearn_callback_deliveries_total", dimensions: [("target", key.target), ("outcome", outcome)], factory: factory))
            cache[key] = made
            return made
        }
        box.counter.increment()
    }

    func text() -> String { registry.emitToString() }
}
