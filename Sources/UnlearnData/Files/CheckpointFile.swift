import UnlearnCore

/// Checkpoint files: `shard-SSS/slice-RRR.g<gen>.ckpt.zst`, the full training state after a slice.
///
/// Payload: parameters then each optimizer moment vector (all f32, byte-shuffled). The metadata
/// holds shapes and lineage (the payload hashes of the row files trained on), never timestamps
/// or generations, so the same training yields the same bytes.
public enum CheckpointFile {
    public static let kind = "checkpoint"

    public struct Metadata: Codable, Equatable, Sendable {
        public var shard: Int
        public var slice: Int
        public var layers: [Int]
        public var activation: Activation
        public var optimizer: OptimizerKind
        public var step: Int64
        public var momentCount: Int
        /// Payload sha256 of the row files of slices 0...slice, in order: what this state was trained on.
        public var trainedOn: [String]

        public init(shard: Int, slice: Int, shape: NetworkShape, optimizer: OptimizerKind, step: Int64, momentCount: Int, trainedOn: [String]) {
            self.shard = shard
            self.slice = slice
            layers = shape.layers
            activation = shape.activation
            self.optimizer = optimizer
            self.step = step
            self.momentCount = momentCount
            self.trainedOn = trainedOn
        }
    }

    public static func encode(_ state: TrainingState, metadata: Metadata, shuffle: Bool = true) throws -> [UInt8] {
        var payload: [UInt8] = []
        payload.reserveCapacity(4 * state.parameters.count * (1 + state.moments.count))
        state.parameters.withUnsafeBytes { payload += $0 }
        for moment in state.moments { moment.withUnsafeBytes { payload += $0 } }
        return try Container.encode(kind: kind, metadata: metadata, payload: payload, shuffledBytes: payload.count, shuffle: shuffle)
    }

    public static func decode(_ file: [UInt8], path: String) throws(CorruptFileError) -> (Metadata, TrainingState) {
        let (header, payload) = try Container.decode(file, kind: kind, path: path, as: Metadata.self)
        let m = header.metadata
        // Sizes come from the file: no negative count and no overflow before comparing with the payload.
        var count = 0
        var valid = m.layers.count >= 2 && m.layers.allSatisfy { $0 >= 0 && $0 <= payload.count } && (0...payload.count).contains(m.momentCount)
        for l in 0..<max(m.layers.count - 1, 0) where valid {
            let (weights, overflow) = m.layers[l].multipliedReportingOverflow(by: m.layers[l + 1])
            valid = !overflow && weights <= payload.count
            if valid { count += weights + m.layers[l + 1]; valid = count <= payload.count }
        }
        let (size, overflow) = (4 &* count).multipliedReportingOverflow(by: 1 &+ m.momentCount)
        guard valid, !overflow, payload.count == size else {
            throw CorruptFileError(path: path, problem: "its payload size does not match a network of layers \(m.layers)")
        }
        // One copy per vector, straight from the payload bytes.
        func vector(_ index: Int) -> [Float] {
            [Float](unsafeUninitializedCapacity: count) { buffer, initialised in
                payload.withUnsafeBytes { raw in
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[(4 * index * count)..<(4 * (index + 1) * count)]))
                }
                initialised = count
            }
        }
        let parameters = vector(0)
        let moments = (0..<m.momentCount).map { vector(1 + $0) }
        return (m, TrainingState(parameters: parameters, moments: moments, step: m.step))
    }
}
