import Foundation
import Testing
import UnlearnCore

/// Invariants of per-record placement over many seeds and shapes.
struct PartitionTests {
    /// Stand-ins for keyed ids: 128 well-mixed bits per record.
    static func records(_ count: Int, seed: UInt64) -> [(high: UInt64, low: UInt64)] {
        var rng = SplitMix64(deriving: seed, 77)
        return (0..<count).map { _ in (rng.next(), rng.next()) }
    }

    static func sizes(_ placements: [Placement], shards: Int, slices: Int) -> [[Int]] {
        var sizes = [[Int]](repeating: [Int](repeating: 0, count: slices), count: shards)
        for p in placements {
            #expect((0..<shards).contains(p.shard) && (0..<slices).contains(p.slice))
            sizes[p.shard][p.slice] += 1
        }
        return sizes
    }

    @Test(arguments: 0..<25)
    func uniformPlacementIsPerRecordSeededAndBalancedInExpectation(seed: Int) {
        var rng = SplitMix64(seed: UInt64(seed))
        let count = 2000 + rng.below(4000), shards = 1 + rng.below(12), slices = 1 + rng.below(8)
        let rule = PlacementRule(shards: shards, slices: slices, seed: UInt64(seed))
        let records = Self.records(count, seed: UInt64(seed))
        let placements = records.map { Partitioner.place(record: $0, likelihood: nil, rule: rule) }
        // A record's place depends on nothing but itself: placing a random subset gives the same places.
        let subset = records.indices.filter { $0 % 3 != 1 }
        #expect(subset.map { Partitioner.place(record: records[$0], likelihood: nil, rule: rule) } == subset.map { placements[$0] })
        // Each cell's size is Binomial(n, 1/(S·R)): within 5 standard deviations of its mean.
        let cells = Double(shards * slices), mean = Double(count) / cells
        let sd = (Double(count) * (1 / cells) * (1 - 1 / cells)).squareRoot()
        for size in Self.sizes(placements, shards: shards, slices: slices).joined() {
            #expect(abs(Double(size) - mean) <= 5 * sd + 1, "cell of \(size) rows, expected \(mean) ± \(sd)")
        }
        var other = rule
        other.seed += 1000
        if shards * slices > 1 {
            #expect(placements != records.map { Partitioner.place(record: $0, likelihood: nil, rule: other) }, "the seed matters")
        }
    }

    @Test(arguments: 0..<25)
    func priorPlacementSendsLikelyRecordsToTheFirstShardsHotSlices(seed: Int) {
        var rng = SplitMix64(seed: UInt64(seed) + 99)
        let count = 3000 + rng.below(3000), shards = 2 + rng.below(10), slices = 2 + rng.below(8)
        let likelyShare = 0.02 + Double(rng.below(20)) / 100
        var likelihood = [Double](repeating: 0.0, count: count)
        for i in 0..<count where rng.unitFloat() < Float(likelyShare) { likelihood[i] = 1 }
        let rule = PlacementRule.prior(shards: shards, slices: slices, seed: UInt64(seed), likelihoods: likelihood)
        let records = Self.records(count, seed: UInt64(seed))
        let placements = zip(records, likelihood).map { Partitioner.place(record: $0, likelihood: $1, rule: rule) }

        let likely = placements.indices.filter { likelihood[$0] > 0.5 }.map { placements[$0] }
        #expect(likely.allSatisfy { $0.slice >= rule.hotStart && $0.shard < rule.hotShards }, "likely records sit in the hot slices of the first shards")
        // As few shards as the hot zones allow at the average slice size, plus one for rounding.
        let perShardHot = Double(count) / Double(shards * slices) * Double(slices - rule.hotStart)
        #expect(rule.hotShards <= Int((Double(likely.count) / perShardHot).rounded(.up)) + 1)
        // The hot zone is sized so that cells stay near the average: no cell beyond 1.6× or below 0.4× its mean.
        let mean = Double(count) / Double(shards * slices)
        if mean >= 40 {
            for size in Self.sizes(placements, shards: shards, slices: slices).joined() {
                #expect(Double(size) < 1.6 * mean && Double(size) > 0.4 * mean, "cell of \(size) rows, average \(mean)")
            }
        }
        // Against uniform placement, deleting the likely records touches no more shards and
        // retrains fewer slices in expectation.
        let uniform = PlacementRule(shards: shards, slices: slices, seed: UInt64(seed))
        let uniformLikely = placements.indices.filter { likelihood[$0] > 0.5 }.map { Partitioner.place(record: records[$0], likelihood: nil, rule: uniform) }
        #expect(Set(uniformLikely.map(\.shard)).count >= Set(likely.map(\.shard)).count)
        let slicesRetrained = { (ps: [Placement]) in ps.reduce(0) { $0 + slices - $1.slice } }
        #expect(slicesRetrained(likely) <= slicesRetrained(uniformLikely))
    }

    @Test
    func recordsMoreLikelyThanTheMeanAreAllHot() {
        let records = Self.records(4000, seed: 3)
        let likelihood = (0..<4000).map { $0 % 20 == 0 ? 0.6 : 0.01 }
        let rule = PlacementRule.prior(shards: 10, slices: 4, seed: 3, likelihoods: likelihood)
        // Mean 0.0395, rounded up to 41/1024.
        #expect(rule.hotThreshold == 41.0 / 1024)
        let placements = zip(records, likelihood).map { Partitioner.place(record: $0, likelihood: $1, rule: rule) }
        let isHotCell = { (p: Placement) in p.shard < rule.hotShards && p.slice >= rule.hotStart }
        #expect(placements.indices.filter { likelihood[$0] == 0.6 }.allSatisfy { isHotCell(placements[$0]) })
        // The cold records fill the rest of the hot cells at `hotFill`: expected count within 5 sd.
        let coldInHot = placements.indices.filter { likelihood[$0] == 0.01 && isHotCell(placements[$0]) }.count
        let weightHot = Double(rule.hotShards * 2) * rule.hotFill
        let expected = 3800 * weightHot / (Double(rule.hotShards) * (2 + 2 * rule.hotFill) + Double((10 - rule.hotShards) * 4))
        #expect(abs(Double(coldInHot) - expected) < 5 * expected.squareRoot() + 5)
    }

    @Test(arguments: [0.05, 0.5, 1.0 / 3, 0.0, 1.0])
    func equalLikelihoodsPlaceUniformly(p: Double) {
        // Nobody is more likely than the mean: no hot zone, whatever the rounding.
        let rule = PlacementRule.prior(shards: 10, slices: 4, seed: 3, likelihoods: [Double](repeating: p, count: 4001))
        #expect(rule.hotShards == 0)
    }

    @Test
    func storesMadeBeforeTheThresholdKeepTheirPerRecordDraw() throws {
        // A rule as older stores saved it (no hotThreshold): decodes, and a record with p = 0.05
        // is still hot with probability 0.05 (plus the cold records filling the hot cells).
        let json = #"{"shards":10,"slices":4,"seed":3,"hotShards":1,"hotFill":0.5}"#
        let rule = try JSONDecoder().decode(PlacementRule.self, from: Data(json.utf8))
        #expect(rule.hotThreshold == nil)
        let records = Self.records(4000, seed: 3)
        let hot = records.map { Partitioner.place(record: $0, likelihood: 0.05, rule: rule) }
            .filter { $0.shard < rule.hotShards && $0.slice >= rule.hotStart }.count
        let expected = 4000 * 0.05 + 4000 * 0.95 * Double(rule.hotShards * 2) * rule.hotFill / (Double(rule.hotShards) * (2 + 2 * rule.hotFill) + Double((10 - rule.hotShards) * 4))
        #expect(abs(Double(hot) - expected) < 5 * expected.squareRoot() + 5)
        // New rules save their threshold: the mean 0.3 rounded up to 308/1024.
        let saved = try JSONEncoder().encode(PlacementRule.prior(shards: 10, slices: 4, seed: 3, likelihoods: [0.9, 0.1, 0.1, 0.1]))
        #expect(try JSONDecoder().decode(PlacementRule.self, from: saved).hotThreshold == 308.0 / 1024)
    }
}
