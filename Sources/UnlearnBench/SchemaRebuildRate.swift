import Foundation
import UnlearnData

/// How often deleting one record alone changes a schema refitted to the live records (issue 10:
/// target ≤ 1%), and why: a category or class reaching fewer than k records, or a quantised
/// numeric statistic moving.
public struct SchemaRebuildRate: Codable, Sendable {
    public var records: Int
    public var checked: Int
    public var rebuilds: Int
    /// Rebuilds caused by a category or class falling below k.
    public var byCount: Int
    /// Rebuilds caused by a quantised mean or spread moving.
    public var byStatistic: Int
    public var rate: Double
    public var seconds: Double

    /// Checks every record when `sample` is nil or at least the record count, otherwise a
    /// seeded uniform sample of `sample` records. Each check is the retrain's own test: the
    /// schema refitted without the record differs from the schema with it.
    public static func measure(schema: FeatureSchema, data: ImportedData, keyer: Keyer, sample: Int?, seed: UInt64 = 1) -> SchemaRebuildRate {
        let started = Date()
        let cells = data.cells ?? []
        let width = RawCells.width(schema)
        var stats = SchemaStats()
        stats.add(cells, schema: schema)
        var indices = Array(0..<data.count)
        if let sample, sample < data.count {
            var state = seed
            for i in stride(from: indices.count - 1, to: 0, by: -1) {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                indices.swapAt(i, Int((state >> 33) % UInt64(i + 1)))
            }
            indices = Array(indices.prefix(sample))
        }
        var rebuilds = 0, byCount = 0, byStatistic = 0
        for r in indices {
            let row = Array(cells[(r * width)..<((r + 1) * width)])
            var without = stats
            without.add(row, schema: schema, sign: -1)
            let refitted = schema.refitted(without, keyer: keyer)
            guard refitted != schema else { continue }
            rebuilds += 1
            let counted = refitted.classes != schema.classes || zip(refitted.encoders, schema.encoders).contains { a, b in
                if case .categorical = a { return a != b } else { return false }
            }
            if counted { byCount += 1 } else { byStatistic += 1 }
        }
        return SchemaRebuildRate(
            records: data.count, checked: indices.count, rebuilds: rebuilds, byCount: byCount, byStatistic: byStatistic,
            rate: Double(rebuilds) / Double(max(indices.count, 1)), seconds: Date().timeIntervalSince(started))
    }
}
