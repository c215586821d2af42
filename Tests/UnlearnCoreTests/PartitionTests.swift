import Testing
import UnlearnCore

/// Invariants of both placement strategies over many seeds and shapes.
struct PartitionTests {
    static func checkBalanced(_ placements: [Placement], shards: Int, slices: Int) {
        var shardSizes = [Int](repeating: 0, count: shards)
        var sliceSizes = [[Int]](repeating: [Int](repeating: 0, count: slices), count: shards)
        for p in placements {
            #expect((0..<shards).contains(p.shard) && (0..<slices).contains(p.slice))
            shardSizes[p.shard] += 1
            sliceSizes[p.shard][p.slice] += 1
        }
        // Every record lands exactly once (placements has one entry per record), sizes balanced.
        #expect(shardSizes.reduce(0, +) == placements.count)
        #expect(shardSizes.max()! - shardSizes.min()! <= 1)
        for s in 0..<shards { #expect(sliceSizes[s].max()! - sliceSizes[s].min()! <= 1) }
    }

    @Test(arguments: 0..<25)
    func uniformPlacementIsBalancedAndSeeded(seed: Int) {
        var rng = SplitMix64(seed: UInt64(seed))
        let count = 1 + rng.below(500), shards = 1 + rng.below(12), slices = 1 + rng.below(8)
        let placements = Partitioner.uniform(count: count, shards: shards, slices: slices, seed: UInt64(seed))
        #expect(placements.count == count)
        Self.checkBalanced(placements, shards: shards, slices: slices)
        #expect(placements == Partitioner.uniform(count: count, shards: shards, slices: slices, seed: UInt64(seed)))
        if count > 50 && shards > 1 {
            #expect(placements != Partitioner.uniform(count: count, shards: shards, slices: slices, seed: UInt64(seed) + 1000))
        }
    }

    @Test(arguments: 0..<25)
    func priorPlacementConcentratesLikelyRecordsInLastSlices(seed: Int) {
        var rng = SplitMix64(seed: UInt64(seed) + 99)
        let count = 200 + rng.below(800), shards = 2 + rng.below(10), slices = 2 + rng.below(8)
        let hotStart = Partitioner.hotZoneStart(slices: slices)
        // Hot-zone capacity of the smallest shard bounds how many likely records fit per shard.
        let smallest = count / shards
        let hotPerShard = (0..<smallest).filter { Partitioner.slice(ofRank: $0, shardSize: smallest, slices: slices) >= hotStart }.count
        let likelyCount = 1 + rng.below(max(1, hotPerShard * shards / 2))
        var likelihood = [Double](repeating: 0.01, count: count)
        for i in (0..<count).shuffled(using: &rng).prefix(likelyCount) { likelihood[i] = 0.9 }

        let placements = Partitioner.prior(likelihoods: likelihood, shards: shards, slices: slices, seed: UInt64(seed))
        Self.checkBalanced(placements, shards: shards, slices: slices)
        let likely = placements.indices.filter { likelihood[$0] > 0.5 }.map { placements[$0] }
        #expect(likely.allSatisfy { $0.slice >= hotStart }, "likely records sit in the last slices")
        let shardsUsed = Set(likely.map(\.shard)).count
        #expect(shardsUsed <= (likelyCount + hotPerShard - 1) / hotPerShard + 1, "likely records use as few shards as the hot zones allow")
        // Against uniform placement, the expected retraining cost of deleting the likely records is lower.
        let uniform = Partitioner.uniform(count: count, shards: shards, slices: slices, seed: UInt64(seed))
        let uniformLikely = placements.indices.filter { likelihood[$0] > 0.5 }.map { uniform[$0] }
        #expect(Set(uniformLikely.map(\.shard)).count >= shardsUsed)
    }
}
