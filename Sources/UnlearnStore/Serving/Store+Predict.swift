import Foundation
import UnlearnCore
import UnlearnData
import UnlearnLedger

/// Accuracy of the ensemble on a labelled test file.
public struct EvaluationReport: Sendable, Codable {
    public var version: Int
    public var rows: Int
    public var aggregation: Aggregation
    /// The configured aggregation's accuracy, as a fraction.
    public var accuracy: Double
    public var accuracyByAggregation: [String: Double]
    public var shardAccuracies: [Double]
    /// How the live ensemble was trained from scratch (nil for a store trained before jobs had kinds).
    public var training: EnsembleTraining?
    public var monolithic: MonolithicBaseline?
    /// Shards left out because they hold records awaiting deletion (`--exclude-pending`).
    public var excludedShards: [Int] = []
    /// How the test file was read (e.g. columns ignored by name).
    public var notes: [String] = []

    enum CodingKeys: String, CodingKey {
        case version, rows, aggregation, accuracy, monolithic, training, notes
        case accuracyByAggregation = "accuracy_by_aggregation"
        case shardAccuracies = "shard_accuracies"
        case excludedShards = "excluded_shards"
    }
}

/// The S=1, R=1 model trained by the same code on the same live rows: SISA's reference point.
public struct MonolithicBaseline: Sendable, Codable {
    public var accuracy: Double
    public var trainSeconds: Double

    enum CodingKeys: String, CodingKey {
        case accuracy
        case trainSeconds = "train_seconds"
    }
}

/// The job that trained the live ensemble's shards from scratch.
public struct EnsembleTraining: Sendable, Codable, Equatable {
    /// The version it published.
    public var version: Int
    public var job: Int64
    /// Wall time of the whole job (shards train in parallel).
    public var seconds: Double
}

/// Predictions for the rows of a file.
public struct Predictions: Sendable {
    public var ids: [String]
    public var labels: [String]
    public var classes: [String]
    /// (rows, classes): vote fractions or mean probabilities.
    public var scores: [Float]
    /// Shards left out because they hold records awaiting deletion (`--exclude-pending`).
    public var excludedShards: [Int] = []
    /// How the input file was read (e.g. columns ignored by name).
    public var notes: [String] = []
}

extension Store {
    /// The live ensemble: each shard's model after its last slice.
    ///
    /// A retrain may publish and purge while this reads; a file of the version read a moment ago
    /// can then be gone. That version is superseded, so read the newer one (a few attempts).
    ///
    /// - Parameter excludingPending: leave out the shards that still hold records awaiting deletion,
    ///   so a request takes effect in answers before the retrain runs (at some cost in accuracy).
    public func ensemble(excludingPending: Bool = false) throws -> (version: Int, ensemble: Ensemble) {
        let skipped = excludingPending ? Set(try pendingShards()) : []
        guard skipped.count < config.shards else {
            throw UnlearnError(.usage, "every shard holds a record awaiting deletion, so none is left to answer",
                               hint: "Run 'unlearn retrain --store \(layout.root)' first.")
        }
        var attempt = 0
        while true {
            let live = try trainedVersion()
            // A rebuild published since this store was opened refitted the schema: read it again.
            try reloadConfig()
            do {
                let parameters = try live.manifest.shards.enumerated().filter { !skipped.contains($0.offset) }.map { shard, files in
                    try self.files.readCheckpoint(files.checkpoints[config.slices - 1], shard: shard).parameters
                }
                return (live.version.version, Ensemble(shape: config.shape, parameters: parameters))
            } catch let error as StoreIOError {
                // Only a newer version explains a missing file; otherwise the store is damaged.
                guard case .missing = error, attempt < 3, try ledger.latestVersion()?.version ?? 0 > live.version.version else { throw error }
                attempt += 1
            }
        }
    }

    /// The shards that hold records awaiting deletion, ascending.
    public func pendingShards() throws -> [Int] {
        try ledger.pendingShards().sorted()
    }

    /// Evaluates the live ensemble on a labelled file read through the store's encoders.
    public func evaluate(data: URL, labels: URL?, monolithic: Bool = false, excludingPending: Bool = false) throws -> EvaluationReport {
        let test = try Importer.apply(config.schema, data: data, labels: labels, requireLabels: true)
        let (version, ensemble) = try ensemble(excludingPending: excludingPending)
        let perShard = ensemble.shardProbabilities(test.features, rows: test.count)
        let classes = config.shape.outputs
        var byAggregation: [String: Double] = [:]
        for aggregation in Aggregation.allCases {
            let labels = Ensemble.combine(perShard, rows: test.count, classes: classes, using: aggregation).labels
            byAggregation[aggregation.rawValue] = accuracy(labels, test.labels)
        }
        let shardAccuracies = perShard.map { probabilities in
            accuracy(Ensemble.combine([probabilities], rows: test.count, classes: classes, using: .mean).labels, test.labels)
        }
        let baseline = monolithic ? try trainMonolithic(evaluatingOn: test) : nil
        return EvaluationReport(
            version: version, rows: test.count, aggregation: config.aggregation,
            accuracy: byAggregation[config.aggregation.rawValue]!, accuracyByAggregation: byAggregation,
            shardAccuracies: shardAccuracies, training: try ensembleTraining(), monolithic: baseline,
            excludedShards: excludingPending ? try pendingShards() : [], notes: test.notes)
    }

    /// The newest training job in the live version's lineage that trained every shard from
    /// scratch. Later `train --shard` and retrain jobs replaced parts of that ensemble; their
    /// own (shorter) times are not the ensemble's training time.
    public func ensembleTraining() throws -> EnsembleTraining? {
        struct Shards: Decodable { var shards: [Int] }
        var next = try liveVersion().version as ModelVersion?
        while let version = next {
            if version.kind == .train, let id = version.jobID, let job = try ledger.job(id: id), job.kind == .train,
               let plan = try? JSONDecoder().decode(Shards.self, from: Data(job.plan.utf8)),
               Set(plan.shards) == Set(0..<config.shards), let seconds = job.seconds {
                return EnsembleTraining(version: version.version, job: id, seconds: seconds)
            }
            next = try version.parent.flatMap(ledger.version)
        }
        return nil
    }

    /// Trains S=1, R=1 on all live rows in memory (nothing is written) and scores it on `test`.
    func trainMonolithic(evaluatingOn test: ImportedData) throws -> MonolithicBaseline {
        let live = try liveVersion()
        var all = SliceData(labels: [], features: [])
        for shard in live.manifest.shards {
            for file in shard.rows {
                let rows = try files.readSlice(file)
                all.labels += rows.labels
                all.features += rows.features
            }
        }
        BLAS.useSingleThread()
        let trainer = ShardTrainer(shape: config.shape, config: config.training, slices: 1)
        let started = Date()
        let state = try trainer.trainFromScratch(shard: 0, data: [all]).last!
        let seconds = Date().timeIntervalSince(started)
        let model = Ensemble(shape: config.shape, parameters: [state.parameters])
        return MonolithicBaseline(accuracy: accuracy(model.predict(test.features, rows: test.count, using: .mean).labels, test.labels), trainSeconds: seconds)
    }

    /// Predicts labels for the rows of a file (labels in it, if any, are ignored).
    public func predict(data: URL, labels: URL?, aggregation: Aggregation? = nil, excludingPending: Bool = false) throws -> Predictions {
        let input = try Importer.apply(config.schema, data: data, labels: labels, requireLabels: false)
        let (_, ensemble) = try ensemble(excludingPending: excludingPending)
        let result = ensemble.predict(input.features, rows: input.count, using: aggregation ?? config.aggregation)
        return Predictions(
            ids: input.ids, labels: result.labels.map { config.schema.classes[Int($0)] },
            classes: config.schema.classes, scores: result.scores,
            excludedShards: excludingPending ? try pendingShards() : [], notes: input.notes)
    }
}
