import Foundation
import UnlearnStore
import UnlearnLedger
import UnlearnData

/// A fresh file ledger in a temporary directory holding `count` records (`row-0`, `row-1`, …),
/// keyed with a random secret as a store would, spread over 20 shards × 10 slices.
///
/// The ledger is the real one (WAL, `synchronous = FULL`), so every commit is fsync'd.
/// Call ``remove()`` when done.
struct MicroLedgerFixture {
    let directory: URL
    let ledger: Ledger
    /// Record keys, by row number.
    let keys: [String]

    init(records count: Int) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("unlearn-micro-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        ledger = try Ledger(path: directory.appendingPathComponent("ledger.sqlite").path)
        let keyer = Keyer(secret: Keyer.newSecret())
        keys = (0..<count).map { keyer.record("row-\($0)").hex }
        try ledger.insertRecords(keys.enumerated().map { row, key in
            RecordEntry(key: key, subjectKey: nil, shard: row % 20, slice: row / 20 % 10)
        })
    }

    /// A deletion request for row `row`, received now and due in 30 days.
    func submission(row: Int) -> DeletionSubmission {
        let now = Date()
        return DeletionSubmission(targetKind: .record, targetKey: keys[row], receivedAt: now, dueAt: now + 30 * 86_400, reason: "bench")
    }

    /// Submits requests for `rows` in transactions of `batch`; returns each transaction's seconds.
    func submit(_ rows: Range<Int>, batch: Int) throws -> [Double] {
        try stride(from: rows.lowerBound, to: rows.upperBound, by: batch).map { start in
            let submissions = (start..<min(start + batch, rows.upperBound)).map { submission(row: $0) }
            return try timed {
                if batch == 1 {
                    _ = try ledger.submitDeletion(submissions[0])
                } else {
                    _ = try ledger.submitDeletions(submissions)
                }
            }
        }
    }

    /// Submits requests for `rows` as the service's intake does: one single-record group per
    /// call, `group` calls per commit (`submitGroups`); returns each commit's seconds.
    func submitGroups(_ rows: Range<Int>, group: Int) throws -> [Double] {
        try stride(from: rows.lowerBound, to: rows.upperBound, by: group).map { start in
            let groups = (start..<min(start + group, rows.upperBound)).map {
                IntakeGroup(submissions: [submission(row: $0)], externalID: nil)
            }
            return try timed { _ = try ledger.submitGroups(groups) }
        }
    }

    /// Bytes of the ledger's files (database, WAL, shared memory).
    var bytesOnDisk: Int {
        let files = (try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: [.fileSizeKey])) ?? []
        return files.reduce(0) { $0 + ((try? $1.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0) }
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Durable deletion-request intake into a file ledger, one request per transaction and batched.
public enum MicroLedgerBenchmark {
    /// Submits `single` requests one per transaction (`submitDeletion`), then `batched`
    /// requests in transactions of each size in `batchSizes` (`submitDeletions`), each
    /// request on a record no earlier request covers.
    ///
    /// Figures: requests/s over the whole run and per-transaction latency percentiles.
    /// Last, `batched` requests as the service commits them: single-record calls in groups of
    /// `serviceGroup` per commit, each call all-or-nothing on its own (`submitGroups`).
    public static func run(
        single: Int = 2_000, batched: Int = 20_000, batchSizes: [Int] = [32, 100, 1_000], serviceGroup: Int = 32,
        log: (String) -> Void
    ) throws -> [MicroMeasurement] {
        let plan = [(1, single)] + batchSizes.map { ($0, batched) }
        let fixture = try MicroLedgerFixture(records: plan.reduce(0) { $0 + $1.1 } + batched)
        defer { fixture.remove() }
        var next = 0
        var results = try plan.map { batch, count in
            log("ledger: \(count) requests in transactions of \(batch)")
            let times = Samples(try fixture.submit(next..<(next + count), batch: batch))
            next += count
            return MicroMeasurement(.ledger, batch == 1 ? "submitDeletion (1 per commit)" : "submitDeletions (\(batch) per commit)", [
                "requests": Double(count),
                "requests_per_s": Double(count) / times.total,
                "commit_p50_ms": 1000 * times.median,
                "commit_p99_ms": 1000 * times.percentile(99),
            ])
        }
        log("ledger: \(batched) single-record calls, \(serviceGroup) per commit (the service's group commit)")
        let times = Samples(try fixture.submitGroups(next..<(next + batched), group: serviceGroup))
        results.append(MicroMeasurement(.ledger, "submitGroups (\(serviceGroup) calls per commit)", [
            "requests": Double(batched),
            "requests_per_s": Double(batched) / times.total,
            "commit_p50_ms": 1000 * times.median,
            "commit_p99_ms": 1000 * times.percentile(99),
        ]))
        return results
    }
}
