import Foundation
import Logging
import UnlearnCore
import UnlearnData
import UnlearnLedger

/// The outcome of `unlearn verify --from-source FILE`.
public struct SourceVerification: Sendable, Codable {
    /// How FILE's records were matched to the store: `ids` (an id column), `positional-original`
    /// (all n original rows, `row-N` by position) or `positional-export` (the n − d live rows,
    /// mapped in order onto the live original positions).
    public var mode: String
    public var sourceRecords: Int
    /// Records the ledger marks deleted, left out of the rebuild.
    public var deleted: Int
    /// Records in the rebuilt store.
    public var rebuiltRecords: Int
    public var version: Int
    public var trained: Bool
    public var schemaCompared: Bool
    public var filesCompared: Int
    /// Every difference found, in store order (the first one is the report's headline).
    public var differences: [StoreDifference]
    /// False when the ledger could not record the outcome (a full or read-only disk).
    public var recorded = true
    public var passed: Bool { differences.isEmpty }
}

extension Store {
    /// Rebuilds the store from its source in a scratch directory and compares it with this one.
    ///
    /// The rebuild encodes `source` with the store's schema, keys ids with the store's own secret
    /// (held in memory; the originals are not touched), leaves out every record the ledger marks
    /// deleted, places the rest with the store's placement rule, trains with its settings and
    /// seed, and is compared payload for payload (``differences(from:schema:)``). The schema a
    /// fresh `init` would fit on `source` is compared with the store's separately, so a schema
    /// difference does not hide whether the rows and checkpoints match.
    /// The scratch directory is owner-only and removed afterwards.
    /// - Parameters:
    ///   - schema: compare the fitted schema too.
    ///   - scratchParent: where to make the scratch directory (default: the system's temporary directory).
    /// - Throws: `UnlearnError(.usage)` for a store created before per-record placement, or a
    ///   positional FILE whose row count is neither the original count nor the live count.
    public func verify(fromSource source: URL, labels: URL?, schema: Bool = true, scratchParent: String? = nil) throws -> SourceVerification {
        guard let rule = config.placementRule else {
            throw UnlearnError(.usage, "the store '\(layout.root)' was created before per-record placement: its partition depends on the position of every record, so a rebuild cannot reproduce it",
                               hint: "Use 'unlearn verify --id' per deleted record instead.")
        }
        let live = try liveVersion()
        let secret = try StoreSeal.secret(fromKeyFile: AtomicFile.read(layout.secretPath), path: layout.secretPath)
        let deleted = Set(try ledger.recordKeys(state: .deleted).compactMap(RecordKey.init(hex:)))
        let (data, rebuiltSchema, fittedSchema, mode) = try sourceRecords(source, labels: labels, deleted: deleted, keyer: Keyer(secret: secret))
        var found: [StoreDifference] = []
        if schema, let what = Self.schemaDifference(config.schema, fittedSchema) {
            found.append(StoreDifference(file: "store.json", what: what))
        }

        let scratch = try Self.makeScratchDirectory(parent: scratchParent)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let options = CreateOptions(
            root: scratch + "/store", format: config.schema.format, data: source, labels: labels, csv: config.schema.csv,
            shards: config.shards, slices: config.slices, training: config.training, aggregation: config.aggregation,
            placement: config.placement, dueDays: config.dueDays)
        var quiet = logger
        quiet.logLevel = .warning
        let rebuilt = try Store.create(options, schema: rebuiltSchema, data: data, rule: rule, secret: secret, excluding: deleted, logger: quiet)
        if live.manifest.isTrained { _ = try rebuilt.train(showProgress: false) }

        let differences = try found + differences(from: rebuilt, schema: false)
        var report = SourceVerification(
            mode: mode, sourceRecords: data.count, deleted: deleted.count, rebuiltRecords: try rebuilt.liveVersion().manifest.liveRows,
            version: live.version.version, trained: live.manifest.isTrained, schemaCompared: schema,
            filesCompared: live.manifest.allPaths.count, differences: differences)
        // The outcome goes into the audit chain, as `verify --id` does.
        do {
            try ledger.appendEvent(
                kind: report.passed ? .verifyPassed : .verifyFailed, requestID: nil, recordKey: nil, shard: nil,
                payload: StorePayload.verifiedFromSource(report), at: Date())
        } catch LedgerError.storage(let failure, _, _) where failure == .full || failure == .io || failure == .readOnly {
            report.recorded = false
        }
        return report
    }

    /// FILE's records as a from-scratch build without the deleted records sees them, the schema the
    /// rebuild encodes with, and the schema to compare with the store's. Stores that keep pre-encoding cells (a minimum category count) fit FILE as `init`
    /// does and refit the schema to the live records' statistics, as a fresh import of only those
    /// records would (both schemas are that one). Other stores (IDX, LibSVM, CSV without cells)
    /// encode FILE with the store's schema, so rows and models are compared on their own, and the
    /// schema `init` would fit on FILE is compared with the store's.
    private func sourceRecords(
        _ source: URL, labels: URL?, deleted: Set<RecordKey>, keyer: Keyer
    ) throws -> (data: ImportedData, build: FeatureSchema, compare: FeatureSchema, mode: String) {
        let (fitted, imported) = try Importer.fit(format: config.schema.format, data: source, labels: labels, csv: config.schema.csv,
                                                  maxFeatures: max(Importer.defaultMaxFeatures, config.schema.featureCount), keyer: keyer)
        var data = imported
        if let cells = imported.cells, fitted.minCategoryCount != nil {
            let mode = try matchPositions(&data, deleted: deleted, source: source)
            let width = RawCells.width(fitted)
            var live = [UInt64]()
            live.reserveCapacity(cells.count)
            for (record, id) in data.ids.enumerated() where !deleted.contains(keyer.record(id)) {
                live += cells[(record * width)..<((record + 1) * width)]
            }
            var stats = SchemaStats()
            stats.add(live, schema: fitted)
            let refitted = fitted.refitted(stats, keyer: keyer)
            return (data, refitted, refitted, mode)
        }
        data = try Importer.apply(config.schema, data: source, labels: labels, requireLabels: true)
        let mode = try matchPositions(&data, deleted: deleted, source: source)
        return (data, config.schema, fitted, mode)
    }

    /// Positional ids (`row-N`): an export without the deleted rows renumbers positions, so its
    /// rows are mapped in order onto the original positions that are not deleted. The store
    /// knows the original count (every record stays in the ledger) and which positions are
    /// deleted (the keyed hashes of `row-0 … row-(n-1)`).
    /// - Returns: the mode used, for the report.
    private func matchPositions(_ data: inout ImportedData, deleted: Set<RecordKey>, source: URL) throws -> String {
        guard config.schema.roles?.id == nil else { return "ids" }
        let original = try ledger.recordCounts().values.reduce(0, +)
        if data.count == original { return "positional-original" }
        let livePositions = (0..<original).filter { !deleted.contains(keyer.record("row-\($0)")) }
        guard data.count == livePositions.count else {
            throw UnlearnError(.data, "'\(source.path)' has \(data.count) records; its rows are matched by position, so it must be the original import (\(original) records) or an export without the \(original - livePositions.count) deleted records (\(livePositions.count))",
                               hint: "Pass the file the store was created from, or the current export.")
        }
        data.ids = livePositions.map { "row-\($0)" }
        return "positional-export"
    }

    /// For tests: the scratch directory a rebuild would use.
    public static func makeScratchDirectoryForTesting(parent: String) throws -> String { try makeScratchDirectory(parent: parent) }

    /// A fresh owner-only (0700) directory for a rebuild.
    static func makeScratchDirectory(parent: String?) throws -> String {
        let base = parent ?? NSTemporaryDirectory()
        var template = Array((base.hasSuffix("/") ? base : base + "/") .appending("unlearn-verify-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw UnlearnError(.io, "cannot create a scratch directory in '\(base)' (\(String(cString: strerror(errno))))", hint: "Free space there or set TMPDIR.")
        }
        return String(cString: made)
    }
}
