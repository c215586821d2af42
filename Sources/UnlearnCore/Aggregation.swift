/// How shard models are combined into one prediction.
public enum Aggregation: String, Codable, Sendable, CaseIterable {
    /// Majority vote of per-shard argmaxes; ties go to the higher mean probability.
    case vote
    /// Argmax of the mean of per-shard probabilities.
    case mean
}

/// A set of trained shard models that predict together.
public struct Ensemble: Sendable {
    public let shape: NetworkShape
    public let parameters: [[Float]]

    public init(shape: NetworkShape, parameters: [[Float]]) {
        self.shape = shape
        self.parameters = parameters
    }

    /// Per-shard class probabilities for `rows` inputs: result[s] is (rows, classes).
    public func shardProbabilities(_ inputs: [Float], rows: Int, chunk: Int = 1024) -> [[Float]] {
        let classes = shape.outputs, width = shape.inputs
        let workspace = Workspace(shape: shape, capacity: min(chunk, max(rows, 1)))
        return parameters.map { params in
            var out = [Float](repeating: 0, count: rows * classes)
            inputs.withUnsafeBufferPointer { x in
                params.withUnsafeBufferPointer { p in
                    var start = 0
                    while start < rows {
                        let size = min(workspace.capacity, rows - start)
                        Network.forward(x.baseAddress! + start * width, rows: size, parameters: p.baseAddress!, workspace: workspace)
                        for i in 0..<(size * classes) { out[start * classes + i] = workspace.probabilities[i] }
                        start += size
                    }
                }
            }
            return out
        }
    }

    /// Combines per-shard probabilities into labels and scores (rows, classes): vote fractions or mean probabilities.
    public static func combine(_ perShard: [[Float]], rows: Int, classes: Int, using aggregation: Aggregation)
        -> (labels: [Int32], scores: [Float])
    {
        let shards = Float(perShard.count)
        var mean = [Float](repeating: 0, count: rows * classes)
        for probabilities in perShard {
            for i in 0..<mean.count { mean[i] += probabilities[i] / shards }
        }
        var labels = [Int32](repeating: 0, count: rows)
        switch aggregation {
        case .mean:
            for r in 0..<rows { labels[r] = Int32(argmax(mean, row: r, classes: classes)) }
            return (labels, mean)
        case .vote:
            var votes = [Float](repeating: 0, count: rows * classes)
            for probabilities in perShard {
                for r in 0..<rows { votes[r * classes + argmax(probabilities, row: r, classes: classes)] += 1 / shards }
            }
            for r in 0..<rows {
                var best = 0
                for c in 1..<classes {
                    let v = votes[r * classes + c], b = votes[r * classes + best]
                    if v > b || (v == b && mean[r * classes + c] > mean[r * classes + best]) { best = c }
                }
                labels[r] = Int32(best)
            }
            return (labels, votes)
        }
    }

    /// Labels and scores for `rows` inputs.
    public func predict(_ inputs: [Float], rows: Int, using aggregation: Aggregation) -> (labels: [Int32], scores: [Float]) {
        Self.combine(shardProbabilities(inputs, rows: rows), rows: rows, classes: shape.outputs, using: aggregation)
    }

    @inline(__always)
    static func argmax(_ values: [Float], row: Int, classes: Int) -> Int {
        var best = 0
        for c in 1..<classes where values[row * classes + c] > values[row * classes + best] { best = c }
        return best
    }
}

/// Fraction of `predicted` equal to `truth`.
public func accuracy(_ predicted: [Int32], _ truth: [Int32]) -> Double {
    guard !truth.isEmpty else { return 0 }
    return Double(zip(predicted, truth).filter { $0 == $1 }.count) / Double(truth.count)
}
