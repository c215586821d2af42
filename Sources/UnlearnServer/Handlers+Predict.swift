import Foundation
import Hummingbird
import UnlearnCore
import UnlearnData
import UnlearnStore

/// `POST /v1/predict`: rows keyed by column name (or arrays in schema order), encoded through
/// the store's schema, answered by the ensemble in memory.
func predict(_ request: Request, _ c: ServiceContext) async throws -> Response {
    let started = ContinuousClock.now
    let body = try await JSONObject.parse(request, limit: c.options.maxBodyBytes)
    try body.allowOnly(["rows", "exclude_pending"])
    let excludePending = try body.bool("exclude_pending") ?? false
    guard case .array(let items)? = body.fields["rows"] else {
        throw APIError.badRequest("rows", body.fields["rows"] == nil ? "is required" : "must be an array of rows")
    }
    guard !items.isEmpty, items.count <= c.options.maxPredictRows else {
        throw APIError.badRequest("rows", "must hold 1…\(c.options.maxPredictRows) rows")
    }
    let rows: [RecordInput] = try items.enumerated().map { index, item in
        func value(_ v: JSONValue, _ field: String) throws -> FieldValue {
            switch v {
            case .null: return .missing
            case .number(let x): return .number(x)
            case .string(let s): return .string(s)
            case .bool(let b): return .string(b ? "true" : "false")
            default: throw APIError.badRequest("rows[\(index)].\(field)", "must be a number, a string or null")
            }
        }
        switch item {
        case .object(let fields):
            return .named(try fields.reduce(into: [:]) { $0[$1.key] = try value($1.value, $1.key) })
        case .array(let values):
            return .ordered(try values.enumerated().map { try value($0.element, String($0.offset)) })
        default:
            throw APIError.badRequest("rows[\(index)]", "must be an object or an array, not \(item.typeName)")
        }
    }
    guard let loaded = c.model.current else { throw APIError(.serviceUnavailable, "not_ready", "no trained model is loaded yet") }
    let features: [Float]
    do {
        features = try Importer.encodeRecords(c.store.schema, rows)
    } catch let error as RecordEncodingError {
        // Well-formed JSON that does not fit this store's schema.
        throw APIError(.unprocessableContent, "row_mismatch", "rows[\(error.row)]" + (error.field.map { ".\($0)" } ?? "") + ": " + error.message)
    }
    var ensemble = loaded.ensemble
    var excluded: [Int] = []
    // Read at the time of the call, so a request acknowledged a moment ago already counts.
    let pendingShards = excludePending ? try await Blocking.run { try c.store.ledger.pendingShards() } : []
    if !pendingShards.isEmpty {
        excluded = pendingShards.sorted()
        let kept = ensemble.parameters.enumerated().filter { !pendingShards.contains($0.offset) }.map(\.element)
        guard !kept.isEmpty else {
            throw APIError(.conflict, "no_shards", "every shard holds a record awaiting deletion; retry after the retrain")
        }
        ensemble = Ensemble(shape: ensemble.shape, parameters: kept)
    }
    let result = ensemble.predict(features, rows: rows.count, using: c.store.config.aggregation)
    let classes = c.store.schema.classes
    let k = classes.count
    let response = PredictBody(
        modelVersion: loaded.version, classes: classes, labels: result.labels.map { classes[Int($0)] },
        scores: (0..<rows.count).map { Array(result.scores[($0 * k)..<(($0 + 1) * k)]) }, excludedShards: excluded)
    let elapsed = ContinuousClock.now - started
    c.metrics.predictLatency.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    c.metrics.predictRows.increment(by: Int64(rows.count))
    return try jsonResponse(response)
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
