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

    public var shape: NetworkShape {
        NetworkShape(inputs: schema.featureCount, model: training.model, outputs: schema.classes.count)
    }

    public var trainer: ShardTrainer { ShardTrainer(shape: shape, config: training, slices: slices) }

    static func load(_ layout: StoreLayout) throws -> StoreConfig {
        guard FileManager.default.fileExists(atPath: layout.configPath) else {
            throw UnlearnError.noStore(layout.root)
        }
        do {
            return try JSONDecoder().decode(StoreConfig.self, from: Data(AtomicFile.read(layout.configPath)))
        } catch {
            throw UnlearnError(.corrupt, "'\(layout.configPath)' cannot be read (\(error))", hint: "Restore it from a backup; the store cannot be used without it.")
        }
    }

    func save(_ layout: StoreLayout) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write([UInt8](encoder.encode(self)), to: layout.configPath)
    }
}
