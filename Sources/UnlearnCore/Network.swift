import Foundation

/// Scratch buffers for forward and backward passes of up to `capacity` rows.
///
/// One workspace per thread: it is mutable and not shared. Allocated once per training run,
/// so the hot loop never allocates.
public final class Workspace {
    public let shape: NetworkShape
    public let capacity: Int
    /// activations[l] is (capacity, layers[l]) for l ≥ 1: post-activation outputs; the last is softmax probabilities.
    let activations: [UnsafeMutablePointer<Float>]
    /// Two (capacity, maxWidth) buffers for back-propagated deltas.
    let deltaA: UnsafeMutablePointer<Float>
    let deltaB: UnsafeMutablePointer<Float>
    /// Gathered mini-batch inputs (capacity, inputs) and labels (capacity).
    public let batchInputs: UnsafeMutablePointer<Float>
    public let batchLabels: UnsafeMutablePointer<Int32>
    /// Gradient in the parameter layout.
    public let gradient: UnsafeMutablePointer<Float>

    public init(shape: NetworkShape, capacity: Int) {
        self.shape = shape
        self.capacity = max(capacity, 1)
        let cap = self.capacity
        activations = shape.layers.enumerated().map { index, width in
            UnsafeMutablePointer<Float>.allocate(capacity: index == 0 ? 1 : cap * width)
        }
        let maxWidth = shape.layers.max() ?? 1
        deltaA = .allocate(capacity: cap * maxWidth)
        deltaB = .allocate(capacity: cap * maxWidth)
        batchInputs = .allocate(capacity: cap * shape.inputs)
        batchLabels = .allocate(capacity: cap)
        gradient = .allocate(capacity: shape.parameterCount)
        gradient.initialize(repeating: 0, count: shape.parameterCount)
    }

    deinit {
        activations.forEach { $0.deallocate() }
        deltaA.deallocate()
        deltaB.deallocate()
        batchInputs.deallocate()
        batchLabels.deallocate()
        gradient.deallocate()
    }

    /// Class probabilities of the last forward pass: (rows, outputs).
    public var probabilities: UnsafeMutablePointer<Float> { activations[shape.depth] }
}

/// Forward and backward passes of a fully connected network with softmax cross-entropy.
public enum Network {
    /// Runs the network on `rows` inputs (rows, inputs) and leaves probabilities in `workspace.probabilities`.
    public static func forward(
        _ inputs: UnsafePointer<Float>, rows: Int, parameters: UnsafePointer<Float>, workspace ws: Workspace
    ) {
        precondition(rows <= ws.capacity)
        let shape = ws.shape
        var input = inputs
        for l in 0..<shape.depth {
            let nIn = shape.layers[l], nOut = shape.layers[l + 1]
            let out = ws.activations[l + 1]  // (rows, nOut)
            let bias = parameters + shape.biasOffset(l)
            // Fused bias: pre-fill every row with b, then accumulate X·W on top (beta = 1).
            for r in 0..<rows { (out + r * nOut).update(from: bias, count: nOut) }
            BLAS.gemm(
                transposeA: false, transposeB: false, m: rows, n: nOut, k: nIn,
                a: input, lda: nIn, b: parameters + shape.weightOffset(l), ldb: nOut,
                beta: 1, c: out, ldc: nOut)
            if l < shape.depth - 1 {
                activate(out, count: rows * nOut, shape.activation)
            } else {
                softmaxRows(out, rows: rows, columns: nOut)
            }
            input = UnsafePointer(out)
        }
    }

    /// Mean cross-entropy (+ λ/2‖W‖²) of a batch; writes its gradient into `workspace.gradient`.
    @discardableResult
    public static func lossAndGradient(
        _ inputs: UnsafePointer<Float>, labels: UnsafePointer<Int32>, rows: Int,
        parameters: UnsafePointer<Float>, l2: Float, workspace ws: Workspace
    ) -> Float {
        let shape = ws.shape
        forward(inputs, rows: rows, parameters: parameters, workspace: ws)
        let classes = shape.outputs
        let probabilities = ws.probabilities
        // delta = (P - Y) / rows: gradient of the mean loss with respect to the logits.
        var delta = ws.deltaA, spare = ws.deltaB
        var loss: Double = 0
        let scale = 1 / Float(rows)
        for r in 0..<rows {
            let row = probabilities + r * classes
            let target = Int(labels[r])
            loss -= Double(log(max(row[target], 1e-30)))
            let d = delta + r * classes
            for c in 0..<classes { d[c] = row[c] * scale }
            d[target] -= scale
        }
        loss /= Double(rows)

        for l in stride(from: shape.depth - 1, through: 0, by: -1) {
            let nIn = shape.layers[l], nOut = shape.layers[l + 1]
            let input = l == 0 ? inputs : UnsafePointer(ws.activations[l])
            let weights = parameters + shape.weightOffset(l)
            let gW = ws.gradient + shape.weightOffset(l)
            let gB = ws.gradient + shape.biasOffset(l)
            // gW (nIn, nOut) = inputᵀ (nIn, rows) · delta (rows, nOut)
            BLAS.gemm(
                transposeA: true, transposeB: false, m: nIn, n: nOut, k: rows,
                a: input, lda: nIn, b: delta, ldb: nOut, beta: 0, c: gW, ldc: nOut)
            // gB (nOut) = column sums of delta
            gB.update(repeating: 0, count: nOut)
            for r in 0..<rows {
                let d = delta + r * nOut
                for c in 0..<nOut { gB[c] += d[c] }
            }
            if l > 0 {
                // spare (rows, nIn) = delta (rows, nOut) · Wᵀ (nOut, nIn), then × f'(activation)
                BLAS.gemm(
                    transposeA: false, transposeB: true, m: rows, n: nIn, k: nOut,
                    a: delta, lda: nOut, b: weights, ldb: nOut, beta: 0, c: spare, ldc: nIn)
                activationDerivative(spare, post: ws.activations[l], count: rows * nIn, shape.activation)
                swap(&delta, &spare)
            }
            if l2 != 0 {
                var squares: Float = 0
                for i in 0..<(nIn * nOut) {
                    gW[i] += l2 * weights[i]
                    squares += weights[i] * weights[i]
                }
                loss += Double(l2 / 2 * squares)
            }
        }
        return Float(loss)
    }

    static func activate(_ x: UnsafeMutablePointer<Float>, count: Int, _ kind: Activation) {
        switch kind {
        case .relu: for i in 0..<count { x[i] = max(x[i], 0) }
        case .tanh: for i in 0..<count { x[i] = Foundation.tanh(x[i]) }
        }
    }

    /// Multiplies `delta` by f′ expressed through the post-activation value a: ReLU a>0, tanh 1−a².
    static func activationDerivative(
        _ delta: UnsafeMutablePointer<Float>, post a: UnsafePointer<Float>, count: Int, _ kind: Activation
    ) {
        switch kind {
        case .relu: for i in 0..<count where a[i] <= 0 { delta[i] = 0 }
        case .tanh: for i in 0..<count { delta[i] *= 1 - a[i] * a[i] }
        }
    }

    static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        for r in 0..<rows {
            let row = x + r * columns
            var top = row[0]
            for c in 1..<max(columns, 1) { top = max(top, row[c]) }
            var sum: Float = 0
            for c in 0..<columns {
                row[c] = exp(row[c] - top)
                sum += row[c]
            }
            let inverse = 1 / sum
            for c in 0..<columns { row[c] *= inverse }
        }
    }

    /// Seeded initial parameters: Glorot-uniform weights (He-uniform for ReLU hidden layers), zero biases.
    public static func initialParameters(_ shape: NetworkShape, rng: inout SplitMix64) -> [Float] {
        var parameters = [Float](repeating: 0, count: shape.parameterCount)
        for l in 0..<shape.depth {
            let nIn = shape.layers[l], nOut = shape.layers[l + 1]
            let hiddenReLU = shape.activation == .relu && l < shape.depth - 1
            let limit = hiddenReLU ? (6 / Float(nIn)).squareRoot() : (6 / Float(nIn + nOut)).squareRoot()
            let offset = shape.weightOffset(l)
            for i in 0..<(nIn * nOut) {
                parameters[offset + i] = (rng.unitFloat() * 2 - 1) * limit
            }
        }
        return parameters
    }
}
