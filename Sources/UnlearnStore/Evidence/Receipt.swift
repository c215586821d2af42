import UnlearnLedger

/// The evidence stored with a completed deletion request: what was removed, where, by which
/// job, into which version, and every file replaced (old and new sha256).
///
/// Record keys appear as 12-hex-digit prefixes only, never as raw ids.
public struct Receipt: Sendable, Codable, Equatable {
    public struct Record: Sendable, Codable, Equatable {
        public var key: String
        public var shard: Int
        public var slice: Int
    }

    public struct Retrained: Sendable, Codable, Equatable {
        public var shard: Int
        public var firstSlice: Int

        enum CodingKeys: String, CodingKey {
            case shard
            case firstSlice = "first_slice"
        }
    }

    public struct Replaced: Sendable, Codable, Equatable {
        public var old: String
        public var oldSHA256: String
        public var new: String
        public var newSHA256: String

        enum CodingKeys: String, CodingKey {
            case old, new
            case oldSHA256 = "old_sha256"
            case newSHA256 = "new_sha256"
        }
    }

    public var request: Int64
    public var version: Int
    public var job: Int64
    public var records: [Record]
    public var retrained: [Retrained]
    public var replaced: [Replaced]
    /// True when the deletion changed the schema, so every shard was retrained from slice 0
    /// (and every shard's replaced files are listed); absent for an ordinary retrain.
    public var schemaRebuild: Bool?

    enum CodingKeys: String, CodingKey {
        case request, version, job, records, retrained, replaced
        case schemaRebuild = "schema_rebuild"
    }

    /// The receipt of `request`, completed by the move from `old` to `new` (version `version`).
    init(_ request: DeletionRequest, old: Manifest, new: Manifest, version: Int, job: Int64, plan: RetrainPlan) {
        // A rebuild retrains (and replaces the files of) every shard.
        let shards = plan.schemaRebuild == true ? Set(old.shards.indices) : Set(request.records.map(\.shard))
        var replaced: [Replaced] = []
        for shard in shards.sorted() {
            let before = old.shards[shard].rows + old.shards[shard].checkpoints
            let after = new.shards[shard].rows + new.shards[shard].checkpoints
            for (a, b) in zip(before, after) where a.path != b.path {
                replaced.append(Replaced(old: a.path, oldSHA256: a.sha256, new: b.path, newSHA256: b.sha256))
            }
        }
        self.request = request.id
        self.version = version
        self.job = job
        self.records = request.records.map { Record(key: String($0.key.prefix(12)), shard: $0.shard, slice: $0.slice) }
        self.retrained = plan.shards.filter { shards.contains($0.shard) }.map { Retrained(shard: $0.shard, firstSlice: $0.firstSlice) }
        self.replaced = replaced
        self.schemaRebuild = plan.schemaRebuild
    }

    /// The ledger's text of this receipt (sorted keys).
    public func json() -> String {
        var writer = JSONWriter()
        writer.add("job", job)
        writer.add("records", records.map(\.writer))
        writer.add("replaced", replaced.map(\.writer))
        writer.add("request", request)
        writer.add("retrained", retrained.map(\.writer))
        if schemaRebuild == true { writer.add("schema_rebuild", true) }
        writer.add("version", version)
        return writer.json
    }
}

// One writer per item, shared by the ledger's receipt and the signed receipt (sorted keys).
extension Receipt.Record {
    var writer: JSONWriter {
        var item = JSONWriter()
        item.add("key", key)
        item.add("shard", shard)
        item.add("slice", slice)
        return item
    }
}

extension Receipt.Replaced {
    var writer: JSONWriter {
        var item = JSONWriter()
        item.add("new", new)
        item.add("new_sha256", newSHA256)
        item.add("old", old)
        item.add("old_sha256", oldSHA256)
        return item
    }
}

extension Receipt.Retrained {
    var writer: JSONWriter {
        var item = JSONWriter()
        item.add("first_slice", firstSlice)
        item.add("shard", shard)
        return item
    }
}
