import UnlearnLedger

/// The least work that removes a set of records: for each shard holding one, retrain from the
/// earliest slice that held one.
public struct RetrainPlan: Sendable, Codable, Equatable {
    public struct ShardWork: Sendable, Codable, Equatable {
        public var shard: Int
        public var firstSlice: Int
        public var records: Int
        /// Slices whose row files are rewritten (those that held a deleted record).
        public var rewrittenSlices: [Int]
        /// Sample-passes of the retraining (rows × epochs summed over slices first…R−1).
        public var samplePasses: Int

        enum CodingKeys: String, CodingKey {
            case shard, records
            case firstSlice = "first_slice"
            case rewrittenSlices = "rewritten_slices"
            case samplePasses = "sample_passes"
        }
    }

    public var requests: [Int64]
    public var shards: [ShardWork]
    /// Sample-passes of retraining the whole store's shards from scratch, for comparison.
    public var fullSamplePasses: Int
    /// Sample-passes of retraining one monolithic model (e₀ epochs over all live rows).
    public var monolithicSamplePasses: Int
    /// True when the deletions change the schema (a category or class falls below the minimum
    /// count, or a quantised statistic moves): the schema is refitted and every shard retrains
    /// from slice 0 (`unlearn rebuild`). Nil (absent from the JSON) for an ordinary retrain.
    public var schemaRebuild: Bool?

    public var samplePasses: Int { shards.reduce(0) { $0 + $1.samplePasses } }
    public var isEmpty: Bool { shards.isEmpty }

    enum CodingKeys: String, CodingKey {
        case requests, shards
        case fullSamplePasses = "full_sample_passes"
        case monolithicSamplePasses = "monolithic_sample_passes"
        case schemaRebuild = "schema_rebuild"
    }

    /// The ledger's text of this plan (sorted keys), stored with its job.
    public func json() -> String {
        var writer = JSONWriter()
        writer.add("full_sample_passes", fullSamplePasses)
        writer.add("monolithic_sample_passes", monolithicSamplePasses)
        writer.add("requests", requests)
        if schemaRebuild == true { writer.add("schema_rebuild", true) }
        writer.add("shards", shards.map { work in
            var item = JSONWriter()
            item.add("first_slice", work.firstSlice)
            item.add("records", work.records)
            item.add("rewritten_slices", work.rewrittenSlices)
            item.add("sample_passes", work.samplePasses)
            item.add("shard", work.shard)
            return item
        })
        return writer.json
    }
}

/// What a training job trains: every shard, or the ones a `train --shard` run names.
public struct TrainPlan: Sendable, Codable, Equatable {
    public var shards: [Int]
    public var samplePasses: Int

    enum CodingKeys: String, CodingKey {
        case shards
        case samplePasses = "sample_passes"
    }

    public func json() -> String {
        var writer = JSONWriter()
        writer.add("sample_passes", samplePasses)
        writer.add("shards", shards)
        return writer.json
    }
}
