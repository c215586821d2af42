import Foundation
import UnlearnStore
import UnlearnCore
import UnlearnData

/// What `unlearn bench` sweeps, and on which data.
public struct SweepOptions: Sendable {
    /// The store template: data, encoders and training settings (root, shards, slices and placement are set per run).
    public var template: CreateOptions
    public var test: URL?
    public var testLabels: URL?
    public var shards: [Int]
    public var slices: [Int]
    public var requests: [Int]
    /// Scratch directory for the stores and their copies.
    public var work: String
    /// Also run every configuration with prior placement and prior-driven requests.
    public var comparePrior: Bool
    /// Unlearning runs per (configuration, K), each with fresh random requests; the median is reported.
    public var trials: Int = 3

    public init(template: CreateOptions, test: URL?, testLabels: URL?, shards: [Int], slices: [Int], requests: [Int], work: String, comparePrior: Bool) {
        self.template = template
        self.test = test
        self.testLabels = testLabels
        self.shards = shards
        self.slices = slices
        self.requests = requests
        self.work = work
        self.comparePrior = comparePrior
    }
}

/// One measured configuration: one JSON object of `unlearn bench --json`.
public struct SweepResult: Sendable, Codable {
    public var shards: Int
    public var slices: Int
    public var requests: Int
    /// "uniform", or "prior" (prior placement, requests drawn from the prior).
    public var placement: String
    /// Ensemble accuracy with the store's aggregation, then with each.
    public var accuracy: Double?
    public var accuracyVote: Double?
    public var accuracyMean: Double?
    public var monolithicAccuracy: Double?
    /// Full training of the S×R store (all shards, 2 cores).
    public var trainSeconds: Double
    /// `delete` of K records to a published version (delete + retrain, in process).
    public var unlearnSeconds: Double
    /// Full retrain of the monolithic S=1, R=1 model, measured in the same run.
    public var retrainSeconds: Double
    public var speedup: Double
    /// The cost model's figure: monolithic sample-passes over the retrain plan's sample-passes.
    public var predictedSpeedup: Double
    public var shardsRetrained: Int
    public var accuracyAfter: Double?

    enum CodingKeys: String, CodingKey {
        case shards, slices, requests, placement, accuracy, speedup
        case accuracyVote = "accuracy_vote"
        case accuracyMean = "accuracy_mean"
        case monolithicAccuracy = "monolithic_accuracy"
        case trainSeconds = "train_seconds"
        case unlearnSeconds = "unlearn_seconds"
        case retrainSeconds = "retrain_seconds"
        case predictedSpeedup = "predicted_speedup"
        case shardsRetrained = "shards_retrained"
        case accuracyAfter = "accuracy_after"
    }
}

/// Measures the SISA trade-off for real: accuracy against S and R, and the time to unlearn K
/// requests against a full monolithic retrain, each on a scratch copy of a trained store.
public enum Sweep {
    /// - Parameters:
    ///   - ids: the record ids of the training data, in file order (requests are drawn from them).
    ///   - priors: deletion likelihoods per record, for the prior comparison.
    ///   - progress: called with a line before each step.
    ///   - emit: called with each result as soon as it is measured.
    public static func run(
        _ options: SweepOptions, ids: [String], priors: [Double]?, progress: (String) -> Void, emit: (SweepResult) -> Void
    ) throws -> [SweepResult] {
        try AtomicFile.makeDirectory(options.work)
        let placements: [PlacementStrategy] = options.comparePrior ? [.uniform, .prior] : [.uniform]
        let configurations = options.shards.flatMap { s in options.slices.map { (s, $0) } }
        let steps = 1 + configurations.count * placements.count * (1 + options.requests.count)
        var step = 0
        func note(_ text: String) {
            step += 1
            progress("[\(step)/\(steps)] \(text)")
        }

        note("monolithic S=1 R=1: train and evaluate")
        let monolithic = try trainStore(options, shards: 1, slices: 1, placement: .uniform, name: "monolithic")
        let monolithicAccuracy = try monolithic.evaluate(options)?.accuracy
        try? FileManager.default.removeItem(atPath: monolithic.store.layout.root)

        var results: [SweepResult] = []
        for (shards, slices) in configurations {
            for placement in placements {
                note("S=\(shards) R=\(slices) \(placement.rawValue): train and evaluate")
                let trained = try trainStore(options, shards: shards, slices: slices, placement: placement, name: "S\(shards)-R\(slices)-\(placement.rawValue)")
                let evaluation = try trained.evaluate(options)
                for (index, k) in options.requests.enumerated() {
                    note("S=\(shards) R=\(slices) \(placement.rawValue): unlearn \(k) request(s)")
                    let runs = try (0..<max(1, options.trials)).map { trial in
                        let seed = trained.seed &+ UInt64(index) &* 1000 &+ UInt64(trial)
                        let chosen = placement == .prior
                            ? sampleWeighted(priors ?? [], count: k, seed: seed)
                            : sampleUniform(ids.count, count: k, seed: seed)
                        return try unlearn(chosen.map { ids[$0] }, from: trained.store, options: options, scratch: "\(shards)-\(slices)-\(k)")
                    }
                    // The median trial by time; its plan and accuracy are reported with it.
                    let measured = runs.sorted { $0.seconds < $1.seconds }[runs.count / 2]
                    let result = SweepResult(
                        shards: shards, slices: slices, requests: k, placement: placement.rawValue,
                        accuracy: evaluation?.accuracy, accuracyVote: evaluation?.accuracyByAggregation["vote"],
                        accuracyMean: evaluation?.accuracyByAggregation["mean"], monolithicAccuracy: monolithicAccuracy,
                        trainSeconds: trained.seconds, unlearnSeconds: measured.seconds, retrainSeconds: monolithic.seconds,
                        speedup: monolithic.seconds / measured.seconds, predictedSpeedup: measured.predicted,
                        shardsRetrained: measured.shards, accuracyAfter: measured.accuracyAfter)
                    results.append(result)
                    emit(result)
                }
                try? FileManager.default.removeItem(atPath: trained.store.layout.root)
            }
        }
        return results
    }

    struct TrainedStore {
        var store: Store
        var seconds: Double
        var seed: UInt64

        func evaluate(_ options: SweepOptions) throws -> EvaluationReport? {
            try options.test.map { try store.evaluate(data: $0, labels: options.testLabels) }
        }
    }

    static func trainStore(_ options: SweepOptions, shards: Int, slices: Int, placement: PlacementStrategy, name: String) throws -> TrainedStore {
        var create = options.template
        create.root = options.work + "/" + name
        create.shards = shards
        create.slices = slices
        create.placement = placement
        try? FileManager.default.removeItem(atPath: create.root)
        let store = try Store.create(create)
        let report = try store.train(showProgress: false)
        return TrainedStore(store: store, seconds: report.seconds, seed: create.training.seed)
    }

    /// Copies the trained store, then times delete + retrain of `ids` on the copy.
    static func unlearn(_ ids: [String], from store: Store, options: SweepOptions, scratch: String)
        throws -> (seconds: Double, predicted: Double, shards: Int, accuracyAfter: Double?)
    {
        let copy = options.work + "/scratch-" + scratch
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: store.layout.root, toPath: copy)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let store = try Store.open(copy)
        let started = DispatchTime.now().uptimeNanoseconds
        _ = try store.requestDeletion(ids.map(DeletionTarget.record), requestedBy: "bench", reason: nil)
        let report = try store.retrain(showProgress: false)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let plan = report.plan
        let predicted = plan.map { Double($0.monolithicSamplePasses) / Double(max($0.samplePasses, 1)) } ?? 0
        let after = try options.test.map { try store.evaluate(data: $0, labels: options.testLabels).accuracy }
        return (seconds, predicted, plan?.shards.count ?? 0, after)
    }

    /// `count` distinct indices below `n`, uniformly at random (seeded).
    static func sampleUniform(_ n: Int, count: Int, seed: UInt64) -> [Int] {
        var rng = SplitMix64(deriving: seed, RandomPurpose.bench.rawValue)
        return [Int32].permutation(count: n, using: &rng).prefix(min(count, n)).map { Int($0) }
    }

    /// `count` distinct indices drawn with probability proportional to `weights`
    /// (Efraimidis–Spirakis: the largest u^(1/w) keys), seeded.
    static func sampleWeighted(_ weights: [Double], count: Int, seed: UInt64) -> [Int] {
        var rng = SplitMix64(deriving: seed, RandomPurpose.bench.rawValue, 1)
        let keys = weights.enumerated().map { index, weight -> (Double, Int) in
            let u = Double(rng.unitFloat()) + 1e-9
            return (weight > 0 ? pow(u, 1 / weight) : -1, index)
        }
        return keys.sorted { $0.0 > $1.0 }.prefix(count).map(\.1)
    }
}
