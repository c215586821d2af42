import UnlearnCore
import UnlearnData
import UnlearnLedger

/// How removing records changes a schema that is refitted to the live records.
public struct SchemaChange: Sendable, Equatable {
    /// The schema a from-scratch import of the remaining records fits.
    public var schema: FeatureSchema
    /// What changes, for the operator: column names, statistics and the categories that leave.
    /// Printed by the CLI only: category names that leave never go into the store or the ledger.
    public var lines: [String]

    public var changes: Bool { !lines.isEmpty }
}

extension Store {
    /// The schema statistics of the live rows of `manifest` without `removed` (by shard). Reads
    /// every live row file: the rows are the one source of the statistics, so they never
    /// disagree with a from-scratch import. Nil for stores whose schema is not refitted.
    func liveSchemaStats(_ manifest: Manifest, removing removed: [Int: Set<RecordKey>] = [:]) throws -> SchemaStats? {
        guard config.schema.minCategoryCount != nil else { return nil }
        var stats = SchemaStats()
        for (shard, files) in manifest.shards.enumerated() {
            for file in files.rows {
                var rows = try self.files.readRows(file)
                if let keys = removed[shard], !keys.isEmpty { rows = rows.removing(keys) }
                stats.add(rows.cells, schema: config.schema)
            }
        }
        return stats
    }

    /// Whether removing `removed` from `manifest`'s rows changes the schema, and how.
    /// Nil for stores whose schema is not refitted (created without a minimum category count).
    public func schemaChange(_ manifest: Manifest, removing removed: [Int: Set<RecordKey>]) throws -> SchemaChange? {
        guard let stats = try liveSchemaStats(manifest, removing: removed) else { return nil }
        let old = config.schema
        let new = old.refitted(stats, keyer: keyer)
        return SchemaChange(schema: new, lines: Self.describe(from: old, to: new))
    }

    /// One line per column whose encoding differs, naming the categories that leave.
    static func describe(from old: FeatureSchema, to new: FeatureSchema) -> [String] {
        var lines: [String] = []
        for (a, b) in zip(old.encoders, new.encoders) where a != b {
            switch (a, b) {
            case (.numeric(_, let name, let m0, let s0), .numeric(_, _, let m1, let s1)):
                lines.append("\(name): mean \(m0) → \(m1), spread \(s0) → \(s1)")
            case (.categorical(_, let name, let v0, _), .categorical(_, _, let v1, _)):
                let leaving = Set(v0).subtracting(v1).sorted().map { "'\($0)'" }.joined(separator: ", ")
                lines.append("\(name): \(leaving) → other (fewer than \(new.minCategoryCount ?? 0) live records)")
            default:
                lines.append("\(a.name): encoding changes")
            }
        }
        if old.classes != new.classes {
            let leaving = Set(old.classes).subtracting(new.classes).sorted().map { "'\($0)'" }
            let arriving = Set(new.classes).subtracting(old.classes).sorted().map { "'\($0)'" }
            lines.append("label classes: " + (leaving.isEmpty ? "" : "\(leaving.joined(separator: ", ")) leave") + (leaving.isEmpty || arriving.isEmpty ? "" : "; ")
                         + (arriving.isEmpty ? "" : "\(arriving.joined(separator: ", ")) added"))
        }
        return lines
    }

    /// A plan that retrains every shard from slice 0 (a schema change re-encodes every row),
    /// still rewriting only the row files that lose records.
    /// - Parameter outcome: the ordinary plan of the same requests, and what it removes.
    func rebuildPlan(_ outcome: RetrainPlanner.Outcome, requests: [DeletionRequest], manifest: Manifest) -> RetrainPlan {
        var removed: [Int: [Int: Int]] = [:]  // shard -> slice -> records removed
        for record in requests.flatMap(\.records) {
            guard let key = RecordKey(hex: record.key), outcome.deletions[record.shard]?.contains(key) == true else { continue }
            removed[record.shard, default: [:]][record.slice, default: 0] += 1
        }
        var rebuild = outcome.plan
        rebuild.shards = manifest.shards.indices.map { shard in
            let sizes = RetrainPlanner.sliceSizes(manifest, shard: shard).enumerated().map { $0.element - (removed[shard]?[$0.offset] ?? 0) }
            let existing = outcome.plan.shards.first { $0.shard == shard }
            return RetrainPlan.ShardWork(
                shard: shard, firstSlice: 0, records: existing?.records ?? 0, rewrittenSlices: existing?.rewrittenSlices ?? [],
                samplePasses: manifest.isTrained ? SISASchedule.cost(sliceSizes: sizes, epochs: planner.epochsPerSlice, from: 0) : 0)
        }
        rebuild.schemaRebuild = true
        return rebuild
    }
}
