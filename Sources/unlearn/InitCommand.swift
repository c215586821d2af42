import ArgumentParser
import Foundation
import UnlearnCore
import UnlearnData
import UnlearnStore

extension Aggregation: ExpressibleByArgument {}
extension PlacementStrategy: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create a store: import and partition the training data (does not train).")

    @OptionGroup var location: StoreOptions
    @OptionGroup var source: ImportOptions
    @Option(help: "Number of shards S.") var shards: Int
    @Option(help: "Slices per shard R.") var slices: Int
    @Option(help: "softmax, mlp:H, mlp:H1,H2, optionally :tanh.") var model: String
    @Option(help: "Epochs e0 of an equivalent monolithic run (SISA spreads 2R/(R+1)·e0 over slices).") var epochs: Int
    @Option(help: "Seed for partition, init and shuffles.") var seed: UInt64
    @Option(help: "Mini-batch size.") var batch: Int = 64
    @Option(help: "adam or sgd (momentum 0.9).") var optimizer: OptimizerKind = .adam
    @Option(help: "Learning rate (default 0.001 for adam, 0.05 for sgd).") var lr: Float?
    @Option(help: "L2 penalty on weights.") var l2: Float = 0
    @Option(help: "Ensemble aggregation: vote or mean.") var aggregation: Aggregation = .mean
    @Option(help: "Placement: uniform, or prior (needs --prior).") var placement: PlacementStrategy?
    @Option(help: "Days until a deletion request is due.") var dueDays: Int = 30

    func run() throws {
        try execute {
            let spec = try ModelSpec(parsing: model)
            var options = CreateOptions(
                root: location.store, format: source.format, data: source.dataURL, labels: source.labelsURL,
                csv: try source.csvOptions(), shards: shards, slices: slices,
                training: TrainingConfig(
                    model: spec, optimizer: OptimizerSpec(kind: optimizer, learningRate: lr, l2: l2), epochs: epochs,
                    batchSize: batch, seed: seed),
                aggregation: aggregation, placement: placement ?? (source.prior != nil ? .prior : .uniform), dueDays: dueDays)
            options.maxFeatures = source.maxFeatures
            let store = try Store.create(options)
            let status = try store.status()
            print("created store '\(location.store)': \(status.liveRecords) records, \(status.features) features, \(status.classes.count) classes, \(shards) shards × \(slices) slices (\(status.placement) placement)")
            print("next: unlearn train --store \(location.store)")
        }
    }
}
