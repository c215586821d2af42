/// The rows of one slice in canonical order: labels and a (count, features) row-major matrix.
public struct SliceData: Sendable, Equatable {
    public var labels: [Int32]
    public var features: [Float]

    public init(labels: [Int32], features: [Float]) {
        self.labels = labels
        self.features = features
    }

    public var count: Int { labels.count }
}

/// Hyper-parameters shared by every shard of a store.
public struct TrainingConfig: Codable, Sendable, Equatable {
    public var model: ModelSpec
    public var optimizer: OptimizerSpec
    /// e₀: epochs a monolithic model would train; SISA spreads 2R/(R+1)·e₀ over the slices.
    public var epochs: Int
    public var batchSize: Int
    public var seed: UInt64

    public init(model: ModelSpec, optimizer: OptimizerSpec, epochs: Int, batchSize: Int, seed: UInt64) {
        self.model = model
        self.optimizer = optimizer
        self.epochs = epochs
        self.batchSize = batchSize
        self.seed = seed
    }
}

/// Training stopped because a parameter became NaN or infinite (a learning rate too high for
/// the data, or extreme input values): nothing it produced is kept.
public struct TrainingDiverged: Error, CustomStringConvertible, Sendable {
    public var shard: Int
    public var slice: Int
    public var epoch: Int
    public var learningRate: Float

    public var description: String {
        "training of shard \(shard) diverged in slice \(slice), epoch \(epoch): a model parameter became NaN or infinite. "
            + "Nothing was published. Use a lower --lr (this store uses \(learningRate)) when creating the store, "
            + "or look for extreme values in the data."
    }
}

/// Trains one shard slice by slice on cumulative data.
///
/// Determinism contract: the initial state depends on (seed, shard); the order of epoch e of
/// slice j is a permutation drawn from (seed, shard, j, e) over the cumulative rows in canonical
/// order (slice by slice, each slice in import order). Nothing else is random, so training
/// from checkpoint r−1 equals training from scratch, bit for bit, whenever slices 0..<r are equal.
public struct ShardTrainer: Sendable {
    public let shape: NetworkShape
    public let config: TrainingConfig
    public let epochsPerSlice: [Int]

    public init(shape: NetworkShape, config: TrainingConfig, slices: Int) {
        self.shape = shape
        self.config = config
        epochsPerSlice = SISASchedule.epochsPerSlice(slices: slices, baseEpochs: config.epochs)
    }

    public var slices: Int { epochsPerSlice.count }

    /// The seeded state before any training of `shard`.
    public func initialState(shard: Int) -> TrainingState {
        var rng = SplitMix64(deriving: config.seed, RandomPurpose.initialisation.rawValue, UInt64(shard))
        let parameters = Network.initialParameters(shape, rng: &rng)
        let moments = (0..<config.optimizer.momentCount).map { _ in [Float](repeating: 0, count: parameters.count) }
        return TrainingState(parameters: parameters, moments: moments, step: 0)
    }

    /// Trains slices `first`..<R from `state` (the checkpoint of slice first−1, or the initial state).
    ///
    /// After every epoch the parameters are checked to be finite; a divergence throws
    /// ``TrainingDiverged`` rather than writing a checkpoint of NaNs.
    ///
    /// - Parameters:
    ///   - data: all R slices of the shard; slices before `first` are needed as cumulative data.
    ///   - progress: called with the number of samples just trained.
    ///   - checkpoint: called with (slice, state) after each slice.
    public func train(
        shard: Int, data: [SliceData], from first: Int, state initial: TrainingState,
        progress: (@Sendable (Int) -> Void)? = nil,
        checkpoint: (Int, TrainingState) throws -> Void
    ) throws {
        precondition(data.count == slices, "expected \(slices) slices, got \(data.count)")
        let width = shape.inputs
        var features: [Float] = []
        var labels: [Int32] = []
        var cumulative: [Int] = []
        for slice in data {
            precondition(slice.features.count == slice.count * width, "slice feature matrix has the wrong shape")
            cumulative.append((cumulative.last ?? 0) + slice.count)
        }
        if data.count == 1 {
            // One slice: share its storage instead of copying it (the monolithic case).
            features = data[0].features
            labels = data[0].labels
        } else {
            features.reserveCapacity(cumulative.last! * width)
            labels.reserveCapacity(cumulative.last!)
            for slice in data {
                features += slice.features
                labels += slice.labels
            }
        }

        var state = initial
        let batch = max(1, config.batchSize)
        let workspace = Workspace(shape: shape, capacity: batch)
        try features.withUnsafeBufferPointer { x in
            try labels.withUnsafeBufferPointer { y in
                for j in first..<slices {
                    let rows = cumulative[j]
                    for epoch in 0..<epochsPerSlice[j] where rows > 0 {
                        var rng = SplitMix64(
                            deriving: config.seed, RandomPurpose.shuffle.rawValue, UInt64(shard), UInt64(j), UInt64(epoch))
                        let order = [Int32].permutation(count: rows, using: &rng)
                        var start = 0
                        while start < rows {
                            let size = min(batch, rows - start)
                            for b in 0..<size {
                                let row = Int(order[start + b])
                                (workspace.batchInputs + b * width).update(from: x.baseAddress! + row * width, count: width)
                                workspace.batchLabels[b] = y[row]
                            }
                            step(&state, rows: size, workspace: workspace)
                            progress?(size)
                            start += size
                        }
                        guard Self.allFinite(state.parameters) else {
                            throw TrainingDiverged(shard: shard, slice: j, epoch: epoch, learningRate: config.optimizer.learningRate)
                        }
                    }
                    try checkpoint(j, state)
                }
            }
        }
    }

    /// Convenience: trains every slice from the initial state and returns the per-slice states.
    /// - Throws: ``TrainingDiverged``.
    public func trainFromScratch(shard: Int, data: [SliceData]) throws -> [TrainingState] {
        var states: [TrainingState] = []
        try train(shard: shard, data: data, from: 0, state: initialState(shard: shard)) { _, state in states.append(state) }
        return states
    }

    /// True when no value is NaN or infinite (one pass; the sum of x·0 is NaN exactly when some x is).
    static func allFinite(_ values: [Float]) -> Bool {
        values.withUnsafeBufferPointer { buffer in
            var probe: Float = 0
            for value in buffer { probe += value * 0 }
            return probe == 0
        }
    }

    @inline(__always)
    func step(_ state: inout TrainingState, rows: Int, workspace: Workspace) {
        _ = state.parameters.withUnsafeBufferPointer { p in
            Network.lossAndGradient(
                workspace.batchInputs, labels: workspace.batchLabels, rows: rows,
                parameters: p.baseAddress!, l2: config.optimizer.l2, workspace: workspace)
        }
        config.optimizer.update(&state, gradient: workspace.gradient)
    }
}
