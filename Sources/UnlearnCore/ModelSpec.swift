/// Hidden-layer nonlinearity of an MLP.
public enum Activation: String, Codable, Sendable, CaseIterable {
    case relu, tanh
}

/// The model family chosen by the user: softmax regression is an MLP without hidden layers,
/// so both share one implementation (and one set of gradient tests).
public struct ModelSpec: Codable, Sendable, Equatable, CustomStringConvertible {
    public var hidden: [Int]
    public var activation: Activation

    public init(hidden: [Int], activation: Activation = .relu) {
        self.hidden = hidden
        self.activation = activation
    }

    public static let softmax = ModelSpec(hidden: [])

    /// Parses `softmax`, `mlp:128`, `mlp:256,128` or `mlp:128:tanh`.
    public init(parsing text: String) throws(SpecError) {
        let parts = text.lowercased().split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        switch parts.first {
        case "softmax" where parts.count == 1:
            self = .softmax
        case "mlp" where parts.count == 2 || parts.count == 3:
            let sizes = parts[1].split(separator: ",").compactMap { Int($0) }
            guard !sizes.isEmpty, sizes.count == parts[1].split(separator: ",").count, sizes.allSatisfy({ $0 > 0 }) else {
                throw SpecError("model '\(text)': hidden sizes must be positive integers, e.g. mlp:128 or mlp:256,128")
            }
            var activation = Activation.relu
            if parts.count == 3 {
                guard let parsed = Activation(rawValue: parts[2]) else {
                    throw SpecError("model '\(text)': activation must be relu or tanh")
                }
                activation = parsed
            }
            self.init(hidden: sizes, activation: activation)
        default:
            throw SpecError("model '\(text)' is not understood; use softmax, mlp:H or mlp:H1,H2[:tanh]")
        }
    }

    public var description: String {
        hidden.isEmpty ? "softmax" : "mlp:" + hidden.map(String.init).joined(separator: ",")
            + (activation == .relu ? "" : ":\(activation.rawValue)")
    }
}

/// A user-facing configuration error with a message that says what to write instead.
public struct SpecError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ message: String) { description = message }
}

/// Layer widths plus the layout of the flat parameter vector.
///
/// Layout: for each layer l, the weights W_l (inputs_l × outputs_l, row-major), then the bias b_l (outputs_l).
public struct NetworkShape: Codable, Sendable, Equatable {
    public let layers: [Int]
    public let activation: Activation

    public init(inputs: Int, model: ModelSpec, outputs: Int) {
        layers = [inputs] + model.hidden + [outputs]
        activation = model.activation
    }

    public var depth: Int { layers.count - 1 }
    public var inputs: Int { layers[0] }
    public var outputs: Int { layers[layers.count - 1] }

    public func weightOffset(_ layer: Int) -> Int {
        var offset = 0
        for l in 0..<layer { offset += layers[l] * layers[l + 1] + layers[l + 1] }
        return offset
    }

    public func biasOffset(_ layer: Int) -> Int { weightOffset(layer) + layers[layer] * layers[layer + 1] }

    public var parameterCount: Int { weightOffset(depth) }
}
