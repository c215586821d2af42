import ArgumentParser
import UnlearnBench
import Foundation
import UnlearnCore
import UnlearnData
import UnlearnStore

struct BenchTrainerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trainer", abstract: "Training throughput of one in-memory model on one thread (no files), and its test accuracy.")

    @OptionGroup var source: ImportOptions
    @OptionGroup var test: TestDataOptions
    @Option(help: "Model, as in init.") var model: String = "mlp:128"
    @Option(help: "Comma-separated batch sizes.") var batch: String = "16,64,256"
    @Option(help: "Epochs over the training data.") var epochs: Int = 1
    @Option(help: "adam or sgd.") var optimizer: OptimizerKind = .adam
    @Option(help: "Learning rate.") var lr: Float = 1e-3
    @Option var seed: UInt64 = 1
    @Option(help: "Timed repetitions per batch size (the median is reported).") var repeats: Int = 1
    @Flag(help: "One JSON object per batch size.") var json = false

    func run() throws {
        try execute {
            let (schema, train, testData) = try source.load(test: test)
            let spec = try ModelSpec(parsing: model)
            for size in try intList(batch, name: "--batch") {
                let config = TrainingConfig(model: spec, optimizer: OptimizerSpec(kind: optimizer, learningRate: lr), epochs: epochs, batchSize: size, seed: seed)
                let runs = try (0..<max(1, repeats)).map { _ in try TrainerBenchmark.run(train: train, test: testData, schema: schema, config: config) }
                let result = runs.sorted { $0.seconds < $1.seconds }[runs.count / 2]
                if json {
                    try printJSON(result)
                } else {
                    print(String(format: "batch %4d: %9.0f samples/s (%d samples in %.2f s)%@", size, result.samplesPerSecond, result.samples, result.seconds,
                                 result.accuracy.map { String(format: ", test accuracy %.2f%%", 100 * $0) } ?? ""))
                }
            }
        }
    }
}

extension ImportOptions {
    /// Imports the training data (learning the encoders) and the test data through them.
    func load(test: TestDataOptions) throws -> (FeatureSchema, ImportedData, ImportedData?) {
        let (schema, train) = try Importer.fit(format: format, data: dataURL, labels: labelsURL, csv: try csvOptions())
        let testData = try test.dataURL.map { try Importer.apply(schema, data: $0, labels: test.labelsURL, requireLabels: true) }
        return (schema, train, testData)
    }
}

/// Parses "1,5,10" into positive integers.
func intList(_ text: String, name: String) throws -> [Int] {
    let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else {
        throw UnlearnError(.usage, "\(name) takes a comma-separated list of positive integers, e.g. 1,5,10")
    }
    return values.map { $0! }
}

