import Testing
@testable import UnlearnCore

/// A small separable problem: class = which of three centroids a point is nearest to.
func syntheticSlices(slices: Int, rowsPerSlice: Int, features: Int = 6, classes: Int = 3, seed: UInt64 = 1) -> [SliceData] {
    var rng = SplitMix64(seed: seed)
    let centroids = (0..<classes).map { _ in (0..<features).map { _ in rng.unitFloat() * 4 - 2 } }
    return (0..<slices).map { _ in
        var labels: [Int32] = [], x: [Float] = []
        for _ in 0..<rowsPerSlice {
            let c = rng.below(classes)
            labels.append(Int32(c))
            x += centroids[c].map { $0 + rng.unitFloat() - 0.5 }
        }
        return SliceData(labels: labels, features: x)
    }
}

func config(_ model: ModelSpec, _ optimizer: OptimizerKind, epochs: Int = 3, batch: Int = 8, seed: UInt64 = 11) -> TrainingConfig {
    TrainingConfig(model: model, optimizer: OptimizerSpec(kind: optimizer, l2: 1e-4), epochs: epochs, batchSize: batch, seed: seed)
}

struct TrainingTests {
    static let models: [ModelSpec] = [.softmax, ModelSpec(hidden: [8]), ModelSpec(hidden: [8, 4], activation: .tanh)]

    @Test(arguments: models, OptimizerKind.allCases)
    func twoTrainingsWithOneSeedAreIdentical(model: ModelSpec, optimizer: OptimizerKind) throws {
        let data = syntheticSlices(slices: 3, rowsPerSlice: 40)
        let shape = NetworkShape(inputs: 6, model: model, outputs: 3)
        let trainer = ShardTrainer(shape: shape, config: config(model, optimizer), slices: 3)
        let a = try trainer.trainFromScratch(shard: 2, data: data)
        let b = try trainer.trainFromScratch(shard: 2, data: data)
        #expect(a == b)
        #expect(a.count == 3)
        #expect(a[0] != trainer.initialState(shard: 2), "training must change the state")
        // A different seed gives a different model.
        let other = try ShardTrainer(shape: shape, config: config(model, optimizer, seed: 12), slices: 3).trainFromScratch(shard: 2, data: data)
        #expect(other.last != a.last)
    }

    @Test(arguments: models, OptimizerKind.allCases)
    func resumeFromCheckpointEqualsContinuousTraining(model: ModelSpec, optimizer: OptimizerKind) throws {
        let slices = 5
        let data = syntheticSlices(slices: slices, rowsPerSlice: 30)
        let shape = NetworkShape(inputs: 6, model: model, outputs: 3)
        let trainer = ShardTrainer(shape: shape, config: config(model, optimizer), slices: slices)
        let continuous = try trainer.trainFromScratch(shard: 0, data: data)
        for r in 1..<slices {
            var resumed = Array(continuous[..<r])
            try trainer.train(shard: 0, data: data, from: r, state: continuous[r - 1]) { _, state in resumed.append(state) }
            #expect(resumed == continuous, "resuming at slice \(r) diverged")
        }
    }

    @Test func trainingLearnsASeparableProblem() throws {
        let data = syntheticSlices(slices: 2, rowsPerSlice: 200)
        let model = ModelSpec(hidden: [16])
        let shape = NetworkShape(inputs: 6, model: model, outputs: 3)
        let trainer = ShardTrainer(shape: shape, config: config(model, .adam, epochs: 10, batch: 16), slices: 2)
        let states = try trainer.trainFromScratch(shard: 0, data: data)
        let test = syntheticSlices(slices: 1, rowsPerSlice: 300)[0]
        let before = Ensemble(shape: shape, parameters: [trainer.initialState(shard: 0).parameters]).predict(test.features, rows: test.count, using: .mean)
        let after = Ensemble(shape: shape, parameters: [states.last!.parameters]).predict(test.features, rows: test.count, using: .mean)
        #expect(accuracy(after.labels, test.labels) > 0.9)
        #expect(accuracy(after.labels, test.labels) > accuracy(before.labels, test.labels))
    }

    @Test func emptySlicesTrainNothingButStillCheckpoint() throws {
        let shape = NetworkShape(inputs: 6, model: .softmax, outputs: 3)
        let trainer = ShardTrainer(shape: shape, config: config(.softmax, .sgd), slices: 2)
        let empty = SliceData(labels: [], features: [])
        let states = try trainer.trainFromScratch(shard: 1, data: [empty, empty])
        #expect(states == [trainer.initialState(shard: 1), trainer.initialState(shard: 1)])
    }

    @Test func sisaScheduleMatchesThePaper() {
        // e' = 2R/(R+1)·e0 in total, at least one epoch per slice, remainder on the last slices.
        #expect(SISASchedule.epochsPerSlice(slices: 1, baseEpochs: 10) == [10])
        #expect(SISASchedule.epochsPerSlice(slices: 10, baseEpochs: 10) == [1, 1, 2, 2, 2, 2, 2, 2, 2, 2])
        #expect(SISASchedule.epochsPerSlice(slices: 5, baseEpochs: 10).reduce(0, +) == 17)
        for r in 1...12 {
            for e in 1...20 {
                let epochs = SISASchedule.epochsPerSlice(slices: r, baseEpochs: e)
                #expect(epochs.count == r && epochs.allSatisfy { $0 >= 1 })
                #expect(epochs == epochs.sorted(), "epochs never decrease across slices")
            }
        }
    }

    @Test func modelSpecParsesAndRejects() throws {
        #expect(try ModelSpec(parsing: "mlp:128,64") == ModelSpec(hidden: [128, 64]))
        #expect(try ModelSpec(parsing: "mlp:32:tanh") == ModelSpec(hidden: [32], activation: .tanh))
        #expect(try ModelSpec(parsing: "softmax") == .softmax)
        for bad in ["mlp:", "mlp:0", "mlp:12,x", "cnn", "mlp:8:sigmoid"] {
            #expect(throws: SpecError.self) { try ModelSpec(parsing: bad) }
        }
    }

    @Test func voteAndMeanAggregation() {
        // Three shards, one row, two classes: two shards weakly prefer class 1, one strongly prefers class 0.
        let perShard: [[Float]] = [[0.45, 0.55], [0.4, 0.6], [0.99, 0.01]]
        #expect(Ensemble.combine(perShard, rows: 1, classes: 2, using: .vote).labels == [1])
        #expect(Ensemble.combine(perShard, rows: 1, classes: 2, using: .mean).labels == [0])
    }
}

struct DivergenceTests {
    /// Huge input values in the second slice drive the weights to infinity: training
    /// stops with the shard, slice and epoch named instead of writing checkpoints of NaNs.
    @Test func aDivergingShardStopsWithItsPlaceNamed() throws {
        var data = syntheticSlices(slices: 2, rowsPerSlice: 40)
        data[1].features = data[1].features.map { $0 * 1e30 }
        let spec = ModelSpec(hidden: [4])
        let shape = NetworkShape(inputs: 6, model: spec, outputs: 3)
        let trainer = ShardTrainer(
            shape: shape,
            config: TrainingConfig(model: spec, optimizer: OptimizerSpec(kind: .sgd, learningRate: 0.1), epochs: 3, batchSize: 8, seed: 1),
            slices: 2)
        var checkpoints: [Int] = []
        do {
            try trainer.train(shard: 5, data: data, from: 0, state: trainer.initialState(shard: 5)) { slice, state in
                #expect(ShardTrainer.allFinite(state.parameters), "no checkpoint of a diverged model")
                checkpoints.append(slice)
            }
            Issue.record("training should have diverged")
        } catch let error as TrainingDiverged {
            #expect(error.shard == 5)
            #expect(error.slice == 1)
            #expect(error.description.contains("lower --lr"))
        }
        #expect(checkpoints == [0])
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func finiteCheckSeesEveryNonFiniteValue(bad: Float) {
        for position in [0, 7, 99] {
            var values = [Float](repeating: 0.5, count: 100)
            #expect(ShardTrainer.allFinite(values))
            values[position] = bad
            #expect(!ShardTrainer.allFinite(values))
        }
        #expect(ShardTrainer.allFinite([.greatestFiniteMagnitude, -.greatestFiniteMagnitude, 0, -0]))
    }
}
