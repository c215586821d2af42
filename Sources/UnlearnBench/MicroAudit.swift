import Foundation
import UnlearnStore
import UnlearnCore
import UnlearnLedger

/// Latency of the audit lookup by record (`queryRequests(RequestFilter(recordKey:))`) on large ledgers.
public enum MicroAuditBenchmark {
    /// For each size in `requests`: a fresh ledger with that many records, one request per
    /// record (submitted in transactions of `batch`), then `lookups` timed lookups of random
    /// requested records after `lookups / 10` untimed warm-up lookups.
    ///
    /// - Throws: ``UnlearnError`` if a lookup does not return exactly the one request.
    public static func run(requests sizes: [Int], lookups: Int = 2_000, batch: Int = 10_000, log: (String) -> Void) throws -> [MicroMeasurement] {
        try sizes.map { size in
            log("audit: indexing \(size) records")
            let fixture = try MicroLedgerFixture(records: size)
            defer { fixture.remove() }
            var built = 0.0
            for start in stride(from: 0, to: size, by: batch) {
                built += try fixture.submit(start..<min(start + batch, size), batch: batch).reduce(0, +)
                log(String(format: "audit: %d/%d requests (%.0f requests/s)", min(start + batch, size), size, Double(min(start + batch, size)) / built))
            }
            var rng = SplitMix64(seed: UInt64(size))
            var times: [Double] = []
            for i in 0..<(lookups + lookups / 10) {
                let key = fixture.keys[rng.below(size)]
                var found: [DeletionRequest] = []
                let seconds = try timed { found = try fixture.ledger.queryRequests(RequestFilter(recordKey: key)) }
                guard found.count == 1, found[0].targetKey == key else {
                    throw UnlearnError(.software, "audit bench: a lookup returned \(found.count) requests instead of 1")
                }
                if i >= lookups / 10 { times.append(seconds) }
            }
            let samples = Samples(times)
            return MicroMeasurement(.audit, "queryRequests(recordKey:)", [
                "requests": Double(size),
                "lookups": Double(lookups),
                "p50_ms": 1000 * samples.median,
                "p99_ms": 1000 * samples.percentile(99),
                "mean_ms": 1000 * samples.mean,
                "build_requests_per_s": Double(size) / built,
                "ledger_mb": Double(fixture.bytesOnDisk) / 1e6,
            ])
        }
    }
}
