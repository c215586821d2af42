import Foundation
import Synchronization
import UnlearnCore
import UnlearnData

/// `store.json`: everything fixed when the store was created.
public struct StoreConfig: Codable, Sendable {
    public var formatVersion = 1
    public var shards: Int
    public var slices: Int
    public var training: TrainingConfig
    public var aggregation: Aggregation
    public var placement: PlacementStrategy
    public var schema: FeatureSchema
    /// Days from a deletion request to its due date (GDPR art. 12(3): one month).
    public var dueDays: Int
    /// File name of the imported training data, for reports.
    public var source: String
    /// Per-record placement settings; nil for stores created before it, whose placement was
    /// positional (they keep working, but cannot be rebuilt from their source).
    public var placementRule: PlacementRule?
    /// The first model version trained with `schema`, when a rebuild refitted it; nil: every
    /// version since the import.
    public var schemaVersion: Int?
    /// While a rebuild runs: the schema of the live versions before `schemaVersion`, so that a
    /// rebuild that never publishes (a crash, a failure) leaves the store as it was. Removed
    /// once the rebuild's version is published (see ``settled(latest:)``).
    public var retiredSchema: FeatureSchema?

    /// The configuration that applies when `latest` is the newest published version: a
    /// pending rebuild's schema once its version is published, the retired one otherwise.
    /// - Returns: the configuration, and whether `store.json` should be rewritten to it.
    func settled(latest: Int) -> (StoreConfig, changed: Bool) {
        guard let retired = retiredSchema else { return (self, false) }
        var settled = self
        settled.retiredSchema = nil
        if latest < (schemaVersion ?? 0) {
            settled.schema = retired
            settled.schemaVersion = nil
        }
        return (settled, true)
    }

    public var shape: NetworkShape {
        NetworkShape(inputs: schema.featureCount, model: training.model, outputs: schema.classes.count)
    }

    public var trainer: ShardTrainer { ShardTrainer(shape: shape, config: training, slices: slices) }

    /// Reads `store.json`, checking its seal under `secret` (see ``StoreSeal``).
    static func load(_ layout: StoreLayout, secret: [UInt8]) throws -> StoreConfig {
        let text = String(decoding: try AtomicFile.read(layout.configPath), as: UTF8.self)
        let verified = try StoreSeal.verify(text, secret: secret, path: layout.configPath)
        do {
            return try JSONDecoder().decode(StoreConfig.self, from: Data(verified.utf8))
        } catch {
            throw UnlearnError(.corrupt, "'\(layout.configPath)' cannot be read (\(error))", hint: "Restore it from a backup; the store cannot be used without it.")
        }
    }

    /// Writes `store.json`, sealed under `secret`.
    func save(_ layout: StoreLayout, secret: [UInt8]) throws {
        try AtomicFile.write(Array(sealedText(secret: secret).utf8), to: layout.configPath)
    }

    /// The text of `store.json`: sorted keys, sealed under `secret`.
    func sealedText(secret: [UInt8]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let body = String(decoding: try encoder.encode(self), as: UTF8.self)
        return StoreSeal.sealed(body, secret: secret)
    }
}

/// A store's configuration in memory: replaced as a whole when a rebuild refits the schema.
final class ConfigBox: Sendable {
    private let value: Mutex<StoreConfig>

    init(_ config: StoreConfig) { value = Mutex(config) }

    var config: StoreConfig { value.withLock { $0 } }

    func replace(_ config: StoreConfig) { value.withLock { $0 = config } }
}
