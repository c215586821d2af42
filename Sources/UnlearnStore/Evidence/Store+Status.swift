import Foundation
import UnlearnLedger

/// A snapshot of a store for `unlearn status`.
public struct StatusReport: Sendable, Codable {
    public var store: String
    public var source: String
    public var shards: Int
    public var slices: Int
    public var model: String
    public var optimizer: String
    public var epochs: Int
    public var batch: Int
    public var seed: UInt64
    public var aggregation: String
    public var placement: String
    public var features: Int
    public var classes: [String]
    public var version: Int
    public var trained: Bool
    public var liveRecords: Int
    public var pendingRecords: Int
    public var deletedRecords: Int
    /// rows[shard][slice]
    public var sliceRows: [[Int]]
    public var pendingRequests: Int
    public var earliestDue: Date?
    public var lastJob: RetrainJob?
}

extension Store {
    public func status() throws -> StatusReport {
        let live = try liveVersion()
        let counts = try ledger.recordCounts()
        let pending = try ledger.pendingSummary()
        let t = config.training
        return StatusReport(
            store: layout.root, source: config.source, shards: config.shards, slices: config.slices,
            model: t.model.description, optimizer: "\(t.optimizer.kind.rawValue) lr=\(t.optimizer.learningRate)", epochs: t.epochs,
            batch: t.batchSize, seed: t.seed, aggregation: config.aggregation.rawValue, placement: config.placement.rawValue,
            features: config.schema.featureCount, classes: config.schema.classes, version: live.version.version,
            trained: live.manifest.isTrained, liveRecords: counts[.live] ?? 0, pendingRecords: counts[.pending] ?? 0,
            deletedRecords: counts[.deleted] ?? 0, sliceRows: live.manifest.shards.map { $0.rows.map { $0.rows ?? 0 } },
            pendingRequests: pending.count, earliestDue: pending.earliestDue, lastJob: try ledger.jobs(limit: 1).first)
    }
}
