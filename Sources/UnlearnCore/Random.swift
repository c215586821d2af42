/// SplitMix64: a tiny, fast, well-mixed generator. All training randomness derives from
/// explicit tuples (seed, shard, slice, epoch) through it, never from clocks or threads,
/// so retraining a shard replays exactly the same stream.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator whose stream depends on every value of `tuple`, in order.
    public init(deriving tuple: UInt64...) {
        var s: UInt64 = 0x5155_4E4C_4541_524E  // "UNLEARN" salt
        for value in tuple {
            var mixer = SplitMix64(seed: s ^ value)
            s = mixer.next()
        }
        state = s
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, bound) by Lemire's multiply-shift (bias below 2^-32 for our sizes).
    public mutating func below(_ bound: Int) -> Int {
        let product = (next() >> 32) &* UInt64(bound)
        return Int(product >> 32)
    }

    /// Uniform Float in [0, 1) with 24 random bits.
    public mutating func unitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }
}

/// Purpose tags keep the streams for init, shuffles and partitioning independent.
public enum RandomPurpose: UInt64, Sendable {
    case initialisation = 1, shuffle = 2, partition = 3, bench = 4
}

extension Array where Element == Int32 {
    /// The identity permutation 0..<count, Fisher-Yates shuffled by `rng`.
    public static func permutation(count: Int, using rng: inout SplitMix64) -> [Int32] {
        var order = (0..<Int32(count)).map { $0 }
        var i = count - 1
        while i > 0 {
            let j = rng.below(i + 1)
            order.swapAt(i, j)
            i -= 1
        }
        return order
    }
}
