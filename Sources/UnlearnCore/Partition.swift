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
    /// Seeded random, balanced: shard sizes and slice sizes differ by at most one.
    case uniform
    /// Distribution-aware (SISA §VII): records likely to be deleted go to the last slices of as few
    /// shards as possible, where retraining is cheapest; sizes stay exactly as balanced as uniform.
    case prior
}

/// Seeded, balanced partitioning of records into S shards × R slices.
public enum Partitioner {
    /// Size of each shard when `count` records are dealt round-robin.
    public static func shardSizes(count: Int, shards: Int) -> [Int] {
        (0..<shards).map { count / shards + ($0 < count % shards ? 1 : 0) }
    }

    /// Slice of the record at `rank` in a shard of `size` rows: R contiguous, near-equal slices.
    @inline(__always)
    public static func slice(ofRank rank: Int, shardSize size: Int, slices: Int) -> Int {
        rank * slices / max(size, 1)
    }

    /// Uniform placement: a seeded permutation, dealt round-robin to shards, ranks cut into slices.
    public static func uniform(count: Int, shards: Int, slices: Int, seed: UInt64) -> [Placement] {
        var rng = SplitMix64(deriving: seed, RandomPurpose.partition.rawValue)
        let order = [Int32].permutation(count: count, using: &rng)
        let sizes = shardSizes(count: count, shards: shards)
        var placements = [Placement](repeating: Placement(shard: 0, slice: 0), count: count)
        for (position, record) in order.enumerated() {
            let shard = position % shards, rank = position / shards
            placements[Int(record)] = Placement(shard: shard, slice: slice(ofRank: rank, shardSize: sizes[shard], slices: slices))
        }
        return placements
    }

    /// Prior-aware placement. Positions are ranked by how cheap a deletion there is: first the
    /// "hot zone" (the last ⌈R/2⌉ slices) of shard 0 from the last slice down, then shard 1's, …,
    /// then the remaining positions in the same order. Records sorted by descending likelihood
    /// (ties broken by a seeded shuffle) take the positions in that order.
    public static func prior(likelihoods: [Double], shards: Int, slices: Int, seed: UInt64) -> [Placement] {
        let count = likelihoods.count
        var rng = SplitMix64(deriving: seed, RandomPurpose.partition.rawValue)
        let shuffled = [Int32].permutation(count: count, using: &rng)
        // Stable sort of a seeded shuffle = random tie-breaking among equal likelihoods.
        let records = shuffled.enumerated()
            .sorted { a, b in
                let la = likelihoods[Int(a.element)], lb = likelihoods[Int(b.element)]
                return la != lb ? la > lb : a.offset < b.offset
            }
            .map { Int($0.element) }

        let positions = rankedPositions(count: count, shards: shards, slices: slices)
        var placements = [Placement](repeating: Placement(shard: 0, slice: 0), count: count)
        for (record, position) in zip(records, positions) { placements[record] = position }
        return placements
    }

    /// First slice of the hot zone.
    public static func hotZoneStart(slices: Int) -> Int { slices - (slices + 1) / 2 }

    static func rankedPositions(count: Int, shards: Int, slices: Int) -> [Placement] {
        let sizes = shardSizes(count: count, shards: shards)
        // slotsPerSlice[s][j]: how many rows slice j of shard s holds.
        let slotsPerSlice = sizes.map { size in
            var slots = [Int](repeating: 0, count: slices)
            for rank in 0..<size { slots[slice(ofRank: rank, shardSize: size, slices: slices)] += 1 }
            return slots
        }
        let hot = hotZoneStart(slices: slices)
        var positions: [Placement] = []
        positions.reserveCapacity(count)
        for zone in [hot..<slices, 0..<hot] {
            for shard in 0..<shards {
                for j in zone.reversed() {
                    positions += repeatElement(Placement(shard: shard, slice: j), count: slotsPerSlice[shard][j])
                }
            }
        }
        return positions
    }
}
