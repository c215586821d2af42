import Foundation
import UnlearnStore
import UnlearnCore
import UnlearnData

/// Checkpoint encode/decode speed and compression ratio on really trained weights.
///
/// Random floats do not compress at all, so the payload is the full training state
/// (parameters and Adam moments) of an MLP trained for a few epochs on MNIST images.
public enum MicroCodecBenchmark {
    /// The MNIST training images and labels in `directory`, or nil when either is missing.
    public static func mnistFiles(in directory: URL) -> (images: URL, labels: URL)? {
        let images = directory.appendingPathComponent("train-images-idx3-ubyte")
        let labels = directory.appendingPathComponent("train-labels-idx1-ubyte")
        let manager = FileManager.default
        return manager.fileExists(atPath: images.path) && manager.fileExists(atPath: labels.path) ? (images, labels) : nil
    }

    /// Trains the model, then times each codec `repetitions` times.
    ///
    /// Cases: the codec alone (byte-shuffle + zstd, and zstd of the unshuffled bytes) and the
    /// whole checkpoint file (`CheckpointFile.encode`/`decode`, which add the JSON header and
    /// two sha256 passes), with and without shuffle. Speeds are raw payload MB (10⁶ bytes) per
    /// second, from the median repetition; ratio is payload bytes over encoded bytes.
    /// - Throws: ``ImportError`` for unreadable MNIST files, ``UnlearnError`` if a round trip differs.
    public static func run(
        mnist: (images: URL, labels: URL), images: Int, hidden: Int, epochs: Int, repetitions: Int,
        log: (String) -> Void
    ) throws -> [MicroMeasurement] {
        let (shape, state) = try trainedState(mnist: mnist, images: images, hidden: hidden, epochs: epochs, log: log)
        var payload: [UInt8] = []
        state.parameters.withUnsafeBytes { payload += $0 }
        for moment in state.moments { moment.withUnsafeBytes { payload += $0 } }
        let metadata = CheckpointFile.Metadata(
            shard: 0, slice: 0, shape: shape,
            optimizer: .adam, step: state.step, momentCount: state.moments.count, trainedOn: [])
        log("codec: \(payload.count) payload bytes (parameters + 2 Adam moments), \(repetitions) repetitions per case")

        let megabytes = Double(payload.count) / 1e6
        /// Checks one round trip, then times `repetitions` encodes and decodes.
        func measure<T: Equatable>(_ name: String, expect original: T, encode: () throws -> [UInt8], decode: ([UInt8]) throws -> T) throws -> MicroMeasurement {
            let encoded = try encode()
            guard try decode(encoded) == original else {
                throw UnlearnError(.software, "codec bench: the '\(name)' round trip changed the payload")
            }
            var encodeTimes: [Double] = [], decodeTimes: [Double] = []
            for _ in 0..<max(1, repetitions) {
                encodeTimes.append(try timed { _ = try encode() })
                decodeTimes.append(try timed { _ = try decode(encoded) })
            }
            return MicroMeasurement(.codec, name, [
                "payload_mb": megabytes,
                "ratio": Double(payload.count) / Double(encoded.count),
                "encode_mb_s": megabytes / Samples(encodeTimes).median,
                "decode_mb_s": megabytes / Samples(decodeTimes).median,
            ])
        }
        return [
            try measure("shuffle+zstd", expect: payload) {
                try Codec.compress(payload.withUnsafeBytes { Codec.shuffle($0) })
            } decode: {
                try Codec.decompress($0[...], expectedSize: payload.count).withUnsafeBytes { Codec.unshuffle($0) }
            },
            try measure("zstd (no shuffle)", expect: payload) {
                try Codec.compress(payload)
            } decode: {
                try Codec.decompress($0[...], expectedSize: payload.count)
            },
            try measure("checkpoint file, shuffle", expect: state) {
                try CheckpointFile.encode(state, metadata: metadata, shuffle: true)
            } decode: {
                try CheckpointFile.decode($0, path: "bench.ckpt.zst").1
            },
            try measure("checkpoint file, no shuffle", expect: state) {
                try CheckpointFile.encode(state, metadata: metadata, shuffle: false)
            } decode: {
                try CheckpointFile.decode($0, path: "bench.ckpt.zst").1
            },
        ]
    }

    /// The first `images` MNIST training images, MLP 784-hidden-10 trained with Adam (S=1, R=1).
    static func trainedState(
        mnist: (images: URL, labels: URL), images: Int, hidden: Int, epochs: Int, log: (String) -> Void
    ) throws -> (NetworkShape, TrainingState) {
        let (schema, all) = try Importer.fit(format: .idx, data: mnist.images, labels: mnist.labels, csv: nil)
        let count = min(images, all.count)
        let data = SliceData(labels: Array(all.labels[..<count]), features: Array(all.features[..<(count * schema.featureCount)]))
        let config = TrainingConfig(model: ModelSpec(hidden: [hidden]), optimizer: OptimizerSpec(kind: .adam), epochs: epochs, batchSize: 64, seed: 1)
        let shape = NetworkShape(inputs: schema.featureCount, model: config.model, outputs: schema.classes.count)
        BLAS.useSingleThread()
        var state: TrainingState?
        let seconds = try timed { state = try ShardTrainer(shape: shape, config: config, slices: 1).trainFromScratch(shard: 0, data: [data]).last }
        log(String(format: "codec: trained MLP %@ on %d MNIST images for %d epochs in %.1f s", shape.layers.map(String.init).joined(separator: "-"), count, epochs, seconds))
        return (shape, state!)
    }
}
