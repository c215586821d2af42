import Foundation
import UnlearnStore

/// The micro-benchmarks of `unlearn bench micro`.
public enum MicroBench: String, CaseIterable, Sendable {
    /// Checkpoint encode/decode speed and compression ratio.
    case codec
    /// Durable deletion-request intake into a file ledger.
    case ledger
    /// `queryRequests(recordKey:)` latency on a large ledger.
    case audit
    /// One-sample and batch prediction through a 20-model ensemble.
    case predict
}

/// One measurement: a benchmark, a case, and named figures in display order.
///
/// Encodes as one flat JSON object, e.g. `{"bench":"codec","case":"shuffle+zstd","decode_mb_s":…}`.
public struct MicroMeasurement: Sendable, Encodable {
    public var bench: MicroBench
    public var name: String
    /// (key, value) pairs; keys are snake_case with their unit last (`_ms`, `_mb_s`, `_per_s`).
    public var figures: [(key: String, value: Double)]

    public init(_ bench: MicroBench, _ name: String, _ figures: KeyValuePairs<String, Double>) {
        self.bench = bench
        self.name = name
        self.figures = figures.map { ($0.key, $0.value) }
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.init(stringValue) }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(bench.rawValue, forKey: Key("bench"))
        try container.encode(name, forKey: Key("case"))
        for (key, value) in figures {
            // Counts stay exact; timings keep four significant digits (the run-to-run noise is larger).
            let rounded = value == value.rounded() ? value : Double(String(format: "%.4g", value))!
            try container.encode(rounded, forKey: Key(key))
        }
    }

    /// A Markdown table of measurements: one column per figure key, in order of first appearance.
    public static func table(_ rows: [MicroMeasurement]) -> String {
        var keys: [String] = []
        for key in rows.flatMap({ $0.figures.map(\.key) }) where !keys.contains(key) { keys.append(key) }
        var lines = ["| case | " + keys.joined(separator: " | ") + " |", "|---" + String(repeating: "|---", count: keys.count) + "|"]
        for row in rows {
            let cells = keys.map { key in row.figures.first { $0.key == key }.map { format($0.value) } ?? "" }
            lines.append("| \(row.name) | " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }

    /// Few digits for humans: 3 decimals below 10, 1 below 1000, none above.
    static func format(_ value: Double) -> String {
        let magnitude = abs(value)
        return String(format: magnitude < 10 ? "%.3f" : magnitude < 1000 ? "%.1f" : "%.0f", value)
    }
}

/// Timing samples with nearest-rank percentiles.
public struct Samples: Sendable {
    public let sorted: [Double]

    public init(_ values: [Double]) {
        precondition(!values.isEmpty, "no samples")
        sorted = values.sorted()
    }

    /// The nearest-rank `p`-th percentile (p in 0...100): the smallest sample with at least p% at or below it.
    public func percentile(_ p: Double) -> Double {
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    public var median: Double { percentile(50) }
    public var total: Double { sorted.reduce(0, +) }
    public var mean: Double { total / Double(sorted.count) }
}

/// Wall time of `body` in seconds, on the monotonic clock.
@inline(__always)
func timed(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}
