import Foundation
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
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let body = String(decoding: try encoder.encode(self), as: UTF8.self)
        try AtomicFile.write(Array(StoreSeal.sealed(body, secret: secret).utf8), to: layout.configPath)
    }
}
