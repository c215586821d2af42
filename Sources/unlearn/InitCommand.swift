import ArgumentParser
import Foundation
import UnlearnCore
import UnlearnStore
import Unlearner

extension DataFormat: ExpressibleByArgument {}
extension Aggregation: ExpressibleByArgument {}
extension PlacementStrategy: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create a store: import and partition the training data (does not train).")

    @OptionGroup var store: StoreOptions
    @Option(help: "Training data: CSV, LibSVM text, or IDX images.") var data: String
    @Option(help: "IDX labels file (with --format idx).") var labels: String?
    @Option(help: "csv, idx or libsvm.") var format: DataFormat
    @Option(help: "CSV label column: header name, 0-based index, or 'last'.") var label: String = "last"
    @Option(help: "CSV record-id column (default: row-<n>).") var id: String?
    @Option(help: "CSV data-subject column, for 'delete --subject'.") var subject: String?
    @Option(help: "CSV deletion-likelihood column (numbers in [0,1], or classes with --prior-likely).") var prior: String?
    @Option(help: "Comma-separated values of the --prior column that mean 'likely to be deleted'.") var priorLikely: String?
    @Option(help: "Comma-separated CSV columns to treat as categorical.") var categorical: String?
    @Option(help: "CSV header: auto, yes or no.") var header: String = "auto"
    @Option(help: "CSV delimiter (one character).") var delimiter: String = ","
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
            guard delimiter.utf8.count == 1 else { throw UnlearnError(.usage, "--delimiter must be one character") }
            let headerMode: HeaderMode
            switch header {
            case "auto": headerMode = .auto
            case "yes", "present": headerMode = .present
            case "no", "absent": headerMode = .absent
            default: throw UnlearnError(.usage, "--header must be auto, yes or no")
            }
            let csv = format == .csv ? CSVOptions(
                header: headerMode, delimiter: delimiter.utf8.first!, label: label, id: id, subject: subject, prior: prior,
                priorLikely: list(priorLikely), categorical: list(categorical)) : nil
            let options = CreateOptions(
                root: store.store, format: format, data: URL(fileURLWithPath: data), labels: labels.map { URL(fileURLWithPath: $0) },
                csv: csv, shards: shards, slices: slices,
                training: TrainingConfig(
                    model: spec, optimizer: OptimizerSpec(kind: optimizer, learningRate: lr, l2: l2), epochs: epochs,
                    batchSize: batch, seed: seed),
                aggregation: aggregation, placement: placement ?? (prior != nil ? .prior : .uniform), dueDays: dueDays)
            let deployment = try Deployment.create(options)
            let status = try deployment.status()
            print("created store '\(store.store)': \(status.liveRecords) records, \(status.features) features, \(status.classes.count) classes, \(shards) shards × \(slices) slices (\(status.placement) placement)")
            print("next: unlearn train --store \(store.store)")
        }
    }

    func list(_ text: String?) -> [String] {
        text.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } ?? []
    }
}
