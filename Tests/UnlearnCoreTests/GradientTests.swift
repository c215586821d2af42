import Testing
import UnlearnCore

/// Analytic gradients against central finite differences, for every model family.
struct GradientTests {
    static let models: [ModelSpec] = [.softmax, ModelSpec(hidden: [6, 4], activation: .relu), ModelSpec(hidden: [5], activation: .tanh)]

    @Test(arguments: models, [Float(0), 0.05])
    func analyticGradientMatchesFiniteDifferences(model: ModelSpec, l2: Float) {
        let shape = NetworkShape(inputs: 7, model: model, outputs: 3)
        var rng = SplitMix64(seed: 42)
        let rows = 5
        let inputs = (0..<(rows * shape.inputs)).map { _ in rng.unitFloat() * 2 - 1 }
        let labels = (0..<rows).map { _ in Int32(rng.below(shape.outputs)) }
        var parameters = Network.initialParameters(shape, rng: &rng)
        // Non-zero biases so their gradients are exercised away from the init.
        for l in 0..<shape.depth {
            for i in 0..<shape.layers[l + 1] { parameters[shape.biasOffset(l) + i] = rng.unitFloat() * 0.2 - 0.1 }
        }
        let workspace = Workspace(shape: shape, capacity: rows)

        func loss(_ p: [Float]) -> Float {
            p.withUnsafeBufferPointer {
                Network.lossAndGradient(inputs, labels: labels, rows: rows, parameters: $0.baseAddress!, l2: l2, workspace: workspace)
            }
        }
        _ = loss(parameters)
        let analytic = Array(UnsafeBufferPointer(start: workspace.gradient, count: shape.parameterCount))

        let h: Float = 1e-3
        var worst: Float = 0
        for i in 0..<shape.parameterCount {
            var plus = parameters, minus = parameters
            plus[i] += h
            minus[i] -= h
            let numeric = (loss(plus) - loss(minus)) / (2 * h)
            let error = abs(numeric - analytic[i]) / max(1e-2, abs(numeric) + abs(analytic[i]))
            worst = max(worst, error)
            #expect(error < 2e-2, "parameter \(i): numeric \(numeric), analytic \(analytic[i])")
        }
        #expect(worst < 2e-2)
        // The gradient must not be trivially zero (a broken backward pass would pass a loose check otherwise).
        #expect(analytic.contains { abs($0) > 1e-4 })
    }

    @Test func softmaxProbabilitiesSumToOne() {
        let shape = NetworkShape(inputs: 4, model: ModelSpec(hidden: [8]), outputs: 5)
        var rng = SplitMix64(seed: 7)
        let parameters = Network.initialParameters(shape, rng: &rng)
        let inputs = (0..<(3 * 4)).map { _ in rng.unitFloat() * 10 }
        let workspace = Workspace(shape: shape, capacity: 3)
        parameters.withUnsafeBufferPointer { Network.forward(inputs, rows: 3, parameters: $0.baseAddress!, workspace: workspace) }
        for r in 0..<3 {
            let sum = (0..<5).reduce(Float(0)) { $0 + workspace.probabilities[r * 5 + $1] }
            #expect(abs(sum - 1) < 1e-5)
        }
    }
}
