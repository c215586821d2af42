import Foundation
import UnlearnStore
import UnlearnCore
import UnlearnData

/// Pure training throughput: one model (S=1, R=1) trained in memory, no files, one thread.
/// The peer race against PyTorch uses it, so both sides time only the training loop.
public struct TrainerBenchmark: Sendable, Codable {
    public var batch: Int
    public var samples: Int
    public var seconds: Double
    public var samplesPerSecond: Double
    public var accuracy: Double?

    enum CodingKeys: String, CodingKey {
        case batch, samples, seconds, accuracy
        case samplesPerSecond = "unlearn_samples_per_s"
    }

    /// Trains on `train` for `config.epochs` epochs and scores on `test`.
    public static func run(train: ImportedData, test: ImportedData?, schema: FeatureSchema, config: TrainingConfig) throws -> TrainerBenchmark {
        BLAS.useSingleThread()
        let shape = NetworkShape(inputs: schema.featureCount, model: config.model, outputs: schema.classes.count)
        let trainer = ShardTrainer(shape: shape, config: config, slices: 1)
        let data = [SliceData(labels: train.labels, features: train.features)]
        let started = DispatchTime.now().uptimeNanoseconds
        let state = try trainer.trainFromScratch(shard: 0, data: data).last!
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let samples = train.count * config.epochs
        var score: Double?
        if let test {
            let model = Ensemble(shape: shape, parameters: [state.parameters])
            score = UnlearnCore.accuracy(model.predict(test.features, rows: test.count, using: .mean).labels, test.labels)
        }
        return TrainerBenchmark(batch: config.batchSize, samples: samples, seconds: seconds, samplesPerSecond: Double(samples) / seconds, accuracy: score)
    }
}
