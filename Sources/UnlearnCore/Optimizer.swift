import CKernels
import Foundation

public enum OptimizerKind: String, Codable, Sendable, CaseIterable {
    case sgd, adam
}

/// Optimizer and regularisation hyper-parameters.
public struct OptimizerSpec: Codable, Sendable, Equatable {
    public var kind: OptimizerKind
    public var learningRate: Float
    /// SGD momentum (heavy ball).
    public var momentum: Float = 0.9
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    /// L2 penalty λ: the loss gains λ/2·‖W‖² over weights (not biases).
    public var l2: Float = 0

    public init(kind: OptimizerKind, learningRate: Float? = nil, l2: Float = 0) {
        self.kind = kind
        self.learningRate = learningRate ?? (kind == .adam ? 1e-3 : 0.05)
        self.l2 = l2
    }

    /// Number of per-parameter state vectors: SGD keeps a velocity; Adam keeps m and v.
    public var momentCount: Int { kind == .adam ? 2 : 1 }
}

/// Everything that evolves during training: parameters, optimizer moments and the step count.
/// A checkpoint stores all of it, so resuming from a checkpoint is exact.
public struct TrainingState: Sendable, Equatable {
    public var parameters: [Float]
    public var moments: [[Float]]
    public var step: Int64

    public init(parameters: [Float], moments: [[Float]], step: Int64) {
        self.parameters = parameters
        self.moments = moments
        self.step = step
    }
}

extension OptimizerSpec {
    /// Applies one update to `state` from `gradient` (same layout as the parameters).
    func update(_ state: inout TrainingState, gradient: UnsafePointer<Float>) {
        state.step += 1
        let count = state.parameters.count
        // Move the moments out (no copy) so each buffer is borrowed exclusively.
        var first: [Float] = [], second: [Float] = []
        swap(&first, &state.moments[0])
        if kind == .adam { swap(&second, &state.moments[1]) }
        state.parameters.withUnsafeMutableBufferPointer { p in
            first.withUnsafeMutableBufferPointer { m in
                switch kind {
                case .sgd:
                    unlearn_sgd_update(p.baseAddress!, m.baseAddress!, gradient, count, learningRate, momentum)
                case .adam:
                    // PyTorch's formulation: p -= lr/bc1 · m / (sqrt(v)/sqrt(bc2) + eps).
                    let t = Double(state.step)
                    let bc1 = Float(1 - pow(Double(beta1), t))
                    let rootBC2 = Float((1 - pow(Double(beta2), t)).squareRoot())
                    second.withUnsafeMutableBufferPointer { v in
                        unlearn_adam_update(
                            p.baseAddress!, m.baseAddress!, v.baseAddress!, gradient, count, learningRate / bc1, beta1, beta2, rootBC2, epsilon)
                    }
                }
            }
        }
        swap(&first, &state.moments[0])
        if kind == .adam { swap(&second, &state.moments[1]) }
    }
}

