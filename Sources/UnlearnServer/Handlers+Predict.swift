import Foundation
import Hummingbird
import UnlearnCore
import UnlearnData
import UnlearnStore

/// `POST /v1/predict`: rows keyed by column name (or arrays in schema order), encoded through
/// the store's schema, answered by the ensemble in memory.
func predict(_ request: Request, _ c: ServiceContext) async throws -> Response {
    let started = ContinuousClock.now
    let data = try await JSONObject.collect(request, limit: c.options.maxBodyBytes)
    let served = c.model.current
    let input = try PredictInput.parse(data, maxRows: c.options.maxPredictRows)
    let rows = input.rows
    guard let loaded = served else { throw APIError(.serviceUnavailable, "not_ready", "no trained model is loaded yet") }
    let features: [Float]
    do {
        features = try Importer.encodeRecords(loaded.schema, rows)
    } catch let error as RecordEncodingError {
        // Well-formed JSON that does not fit this store's schema.
        throw APIError(.unprocessableContent, "row_mismatch", "rows[\(error.row)]" + (error.field.map { ".\($0)" } ?? "") + ": " + error.message)
    }
    var ensemble = loaded.ensemble
    var excluded: [Int] = []
    // Read at the time of the call, so a request acknowledged a moment ago already counts.
    let pendingShards = input.excludePending ? try await Blocking.run { try c.store.ledger.pendingShards() } : []
    if !pendingShards.isEmpty {
        excluded = pendingShards.sorted()
        let kept = ensemble.parameters.enumerated().filter { !pendingShards.contains($0.offset) }.map(\.element)
        guard !kept.isEmpty else {
            throw APIError(.conflict, "no_shards", "every shard holds a record awaiting deletion; retry after the retrain")
        }
        ensemble = Ensemble(shape: ensemble.shape, parameters: kept)
    }
    let result = ensemble.predict(features, rows: rows.count, using: c.store.config.aggregation)
    // JSON has no NaN or infinity, and a score that is neither is no answer: refuse it, as the
    // encoder did, rather than write an invalid body.
    guard result.scores.allSatisfy(\.isFinite) else {
        throw APIError(.internalServerError, "internal", "the model gave a score that is not a finite number")
    }
    let classes = loaded.schema.classes
    let k = classes.count
    let response = PredictBody(
        modelVersion: loaded.version, classes: classes, labels: result.labels.map { classes[Int($0)] },
        scores: (0..<rows.count).map { Array(result.scores[($0 * k)..<(($0 + 1) * k)]) }, excludedShards: excluded)
    let elapsed = ContinuousClock.now - started
    c.metrics.predictLatency.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    c.metrics.predictRows.increment(by: Int64(rows.count))
    return jsonResponse(text: response.json)
}

func status(_ c: ServiceContext) async throws -> Response {
    let body = try await Blocking.run { () throws -> StatusBody in
        let now = Date()
        let report = try c.store.status()
        let stats = try c.store.ledger.pendingStats(now: now)
        return StatusBody(
            modelVersion: report.version, trained: report.trained, loadedVersion: c.model.current?.version,
            shards: report.shards, slices: report.slices, pendingRequests: stats.count, overdueRequests: stats.overdue,
            oldestPendingAgeSeconds: stats.oldestReceived.map { now.timeIntervalSince($0) }, earliestDueTime: stats.earliestDue,
            lastJob: report.lastJob.map(JobBody.init), scheduler: c.scheduler.state,
            records: .init(live: report.liveRecords, pending: report.pendingRecords, deleted: report.deletedRecords),
            callbacks: CallbacksBody(try c.store.ledger.outboxSummary()))
    }
    return try jsonResponse(body)
}
