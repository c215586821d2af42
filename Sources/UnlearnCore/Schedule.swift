/// The SISA epoch schedule.
///
/// Slice i (1-based) trains on the cumulative data of slices 1…i. With e′ total epochs spread
/// evenly over R slices, the sample-passes are Σ (e′/R)·(i/R)·|D| = e′(R+1)/(2R)·|D|, so
/// e′ = 2R/(R+1)·e₀ costs the same as e₀ passes over the shard (Bourtoule et al., §V).
public enum SISASchedule {
    /// Integer epochs per slice: round(e′) split evenly, at least one per slice, with the
    /// remainder given to the last slices (they see the most data, which helps accuracy most).
    public static func epochsPerSlice(slices: Int, baseEpochs: Int) -> [Int] {
        precondition(slices > 0 && baseEpochs > 0)
        let total = max(slices, Int((2 * Double(slices) / Double(slices + 1) * Double(baseEpochs)).rounded()))
        let base = total / slices, extra = total % slices
        return (0..<slices).map { base + ($0 >= slices - extra ? 1 : 0) }
    }

    /// Sample-passes of retraining slices `from`..<R of a shard whose slices hold `sliceSizes` rows.
    public static func cost(sliceSizes: [Int], epochs: [Int], from first: Int) -> Int {
        var cumulative = sliceSizes[..<first].reduce(0, +)
        var passes = 0
        for j in first..<sliceSizes.count {
            cumulative += sliceSizes[j]
            passes += cumulative * epochs[j]
        }
        return passes
    }
}
