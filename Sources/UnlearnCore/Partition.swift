/// Where one record lives: its shard and the slice within that shard.
public struct Placement: Sendable, Equatable, Hashable {
    public var shard: Int
    public var slice: Int
    public init(shard: Int, slice: Int) {
        self.shard = shard
        self.slice = slice
    }
}

/// How records are assigned to shards and slices.
public enum PlacementStrategy: String, Codable, Sendable, CaseIterable {
    /// Seeded random per record: every shard and slice equally likely.
    case uniform
    /// Distribution-aware (SISA §VII): records likely to be deleted go to the last slices of the
    /// first shards, where retraining is cheapest.
    case prior
}

/// The settings of per-record placement, fixed when the store is created (in `store.json`).
///
/// A record's place is a function of the seed, these settings and the record alone (a hash of its id
/// and, under prior placement, its deletion likelihood), never of which other records exist: a
/// store built from the same data without X places every other record exactly where it was.
public struct PlacementRule: Codable, Sendable, Equatable {
    public var shards: Int
    public var slices: Int
    public var seed: UInt64
    /// Prior placement: how many leading shards hold the hot zone (0 under uniform placement).
    public var hotShards: Int
    /// Prior placement: the relative density with which unlikely records fill the hot zone, in
    /// [0, 1] (sized at creation so that expected slice sizes are equal; 1 under uniform).
    public var hotFill: Double
    /// Prior placement: a record whose likelihood is above this is hot. Absent in stores made
    /// before it, where a record was hot with probability equal to its likelihood; those stores
    /// keep placing that way, so that their records never move.
    public var hotThreshold: Double?

    public init(shards: Int, slices: Int, seed: UInt64, hotShards: Int = 0, hotFill: Double = 1, hotThreshold: Double? = nil) {
        self.shards = shards
        self.slices = slices
        self.seed = seed
        self.hotShards = hotShards
        self.hotFill = hotFill
        self.hotThreshold = hotThreshold
    }

    /// The hot zone's first slice: the last ⌈R/2⌉ slices are hot.
    public var hotStart: Int { Partitioner.hotZoneStart(slices: slices) }

    /// Sizes the hot zone for prior placement. Records more likely than the mean likelihood are
    /// hot, all of them (a per-record draw sent a record with p = 0.6 elsewhere 40% of the time,
    /// and its deletion then retrained a cold shard). Enough leading shards that their hot slices
    /// hold the hot records at the average slice size, the rest of those slices filled with other
    /// records (`hotFill`). The threshold is rounded up to 1/1024 and the fill to 1/64, so that
    /// they are settings, not statistics of individual records; rounding up keeps records of
    /// equal likelihood all cold.
    public static func prior(shards: Int, slices: Int, seed: UInt64, likelihoods: [Double]) -> PlacementRule {
        let records = likelihoods.count
        let mean = records == 0 ? 1 : likelihoods.reduce(0, +) / Double(records)
        let threshold = (mean * 1024).rounded(.up) / 1024
        let hotRecords = Double(likelihoods.filter { $0 > threshold }.count)
        let hotSlices = slices - Partitioner.hotZoneStart(slices: slices)
        let perSlice = Double(records) / Double(shards * slices)
        guard hotRecords > 0, perSlice > 0 else { return PlacementRule(shards: shards, slices: slices, seed: seed, hotShards: 0, hotFill: 1) }
        let hotShards = min(shards, max(1, Int((hotRecords / (perSlice * Double(hotSlices))).rounded(.up))))
        let fill = max(0, 1 - hotRecords / (perSlice * Double(hotSlices * hotShards)))
        return PlacementRule(shards: shards, slices: slices, seed: seed, hotShards: hotShards, hotFill: (fill * 64).rounded() / 64,
                             hotThreshold: threshold)
    }
}

/// Per-record placement of records into S shards × R slices.
public enum Partitioner {
    /// First slice of the hot zone.
    public static func hotZoneStart(slices: Int) -> Int { slices - (slices + 1) / 2 }

    /// The seeded draw behind a record's place: a stream that depends only on the seed and the
    /// record's 128-bit id hash. Its first value also orders rows within a slice.
    public static func draws(seed: UInt64, record: (high: UInt64, low: UInt64)) -> SplitMix64 {
        SplitMix64(deriving: seed, RandomPurpose.partition.rawValue, record.high, record.low)
    }

    /// Where a record goes. Uniform (`likelihood == nil` or no hot shards): shard ⌊u₁·S⌋ and slice
    /// ⌊u₂·R⌋ from independent draws. Prior: the record is hot when its likelihood is above the
    /// rule's threshold (in older stores, with probability equal to its likelihood, draw u₃); a
    /// hot record goes to a uniformly drawn hot slice of the first `hotShards` shards, any other
    /// record to a cell drawn with weight 1, or `hotFill` for those hot slices.
    public static func place(record: (high: UInt64, low: UInt64), likelihood: Double?, rule: PlacementRule) -> Placement {
        var rng = draws(seed: rule.seed, record: record)
        _ = rng.next()  // the ordering draw
        let u1 = unit(rng.next()), u2 = unit(rng.next()), u3 = unit(rng.next())
        let S = rule.shards, R = rule.slices
        guard let likelihood, rule.hotShards > 0 else {
            return Placement(shard: min(S - 1, Int(u1 * Double(S))), slice: min(R - 1, Int(u2 * Double(R))))
        }
        let hot = rule.hotStart, hotSlices = R - hot, K = min(rule.hotShards, S)
        let isHot = rule.hotThreshold.map { likelihood > $0 } ?? (u3 < likelihood)
        if isHot {
            return Placement(shard: min(K - 1, Int(u1 * Double(K))), slice: hot + min(hotSlices - 1, Int(u2 * Double(hotSlices))))
        }
        // Cold record: the first K shards weigh (R - H) + H·fill each, the others R.
        let fill = rule.hotFill, leading = Double(R - hotSlices) + Double(hotSlices) * fill
        let total = Double(K) * leading + Double((S - K) * R)
        guard total > 0 else { return Placement(shard: min(S - 1, Int(u1 * Double(S))), slice: min(R - 1, Int(u2 * Double(R)))) }
        let t = u1 * total
        if t < Double(K) * leading {
            let shard = min(K - 1, Int(t / leading))
            let r = t - Double(shard) * leading
            if r < Double(R - hotSlices) || fill <= 0 { return Placement(shard: shard, slice: min(hot - 1, max(0, Int(r)))) }
            return Placement(shard: shard, slice: hot + min(hotSlices - 1, Int((r - Double(R - hotSlices)) / fill)))
        }
        let rest = Int(u2 * Double((S - K) * R))
        return Placement(shard: min(S - 1, K + rest / R), slice: rest % R)
    }

    /// A record's position within its slice: rows are sorted by this key (then by id hash), so
    /// a slice's order depends only on its members, and deletion preserves it.
    public static func orderKey(record: (high: UInt64, low: UInt64), seed: UInt64) -> UInt64 {
        var rng = draws(seed: seed, record: record)
        return rng.next()
    }

    /// [0, 1) with 53 random bits.
    @inline(__always)
    static func unit(_ bits: UInt64) -> Double { Double(bits >> 11) * (1.0 / 9_007_199_254_740_992.0) }
}
