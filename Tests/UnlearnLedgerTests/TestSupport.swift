import Foundation
import UnlearnLedger

/// A fresh directory under the system temp dir, removed by `remove()`.
struct TempDir {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("unlearn-ledger-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    var ledgerPath: String { url.appendingPathComponent("ledger.sqlite").path }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Runs `body` with a file ledger in a fresh temp directory.
func withFileLedger<T>(_ body: (Ledger, TempDir) throws -> T) throws -> T {
    let dir = try TempDir()
    defer { dir.remove() }
    return try body(try Ledger(path: dir.ledgerPath), dir)
}

/// A deterministic 32-hex-character key, like the store's keyed hashes.
func key(_ tag: String, _ n: Int) -> String {
    String(Ledger.sha256Hex("\(tag)-\(n)").prefix(32))
}

/// Record `n`'s key.
func recordKey(_ n: Int) -> String { key("record", n) }

/// Subject `n`'s key.
func subjectKey(_ n: Int) -> String { key("subject", n) }

/// A fixed clock: `t(0)` is 2025-01-01T00:00:00Z, `t(s)` is `s` seconds later.
func t(_ seconds: Double) -> Date { Date(timeIntervalSince1970: 1_735_689_600 + seconds) }

/// `count` live records: record i is in shard i % shards, slice (i / shards) % slices,
/// subject i / perSubject.
func sampleRecords(count: Int, shards: Int = 4, slices: Int = 3, perSubject: Int = 3) -> [RecordEntry] {
    (0..<count).map { i in
        RecordEntry(
            key: recordKey(i), subjectKey: subjectKey(i / perSubject), shard: i % shards,
            slice: (i / shards) % slices)
    }
}

/// A record-target submission received at `received` and due 30 days later.
func deleteRecord(_ n: Int, at received: Double = 0) -> DeletionSubmission {
    DeletionSubmission(
        targetKind: .record, targetKey: recordKey(n), receivedAt: t(received),
        dueAt: t(received + 30 * 86_400), requestedBy: "tester", reason: "test")
}

/// A subject-target submission received at `received` and due 30 days later.
func deleteSubject(_ n: Int, at received: Double = 0) -> DeletionSubmission {
    DeletionSubmission(
        targetKind: .subject, targetKey: subjectKey(n), receivedAt: t(received),
        dueAt: t(received + 30 * 86_400), requestedBy: "tester", reason: nil)
}

/// Publishes the next version on top of the latest, completing `requests` with simple receipts.
@discardableResult
func publishNext(_ ledger: Ledger, completing requests: [Int64] = [], jobID: Int64? = nil, at: Double = 1_000)
    throws -> ModelVersion
{
    let parent = try ledger.latestVersion()?.version
    let manifest = #"{"shards":[]}"#
    return try ledger.publish(PublishInput(
        parent: parent, kind: parent == nil ? .train : .retrain, manifest: manifest,
        manifestSHA256: Ledger.sha256Hex(manifest), jobID: jobID, completedRequests: requests,
        receipts: Dictionary(requests.map { ($0, #"{"request":\#($0)}"#) }, uniquingKeysWith: { first, _ in first }),
        at: t(at)))
}
