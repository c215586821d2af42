import Foundation
import Testing
@testable import UnlearnLedger

@Suite("Callback outbox")
struct CallbackOutboxTests {
    static let callbacks = RequestCallbacks(replyTo: "/api/v1/request-task/t-1/callback", replyToken: "tok-secret",
                                            statusURLs: ["http://a.example/hook", "https://b.example/x"])

    /// (request, target, status) of every outbox row, oldest first.
    static func rows(_ ledger: Ledger) throws -> [String] {
        try ledger.callbacks(limit: 1000).reversed().map { "\($0.requestID) \($0.target.rawValue) \($0.status)" }
    }

    @Test("rows are written with the status change, or not at all")
    func atomicWithStatusChange() throws {
        let ledger = try Ledger.inMemory()
        try ledger.insertRecords(sampleRecords(count: 12))
        try publishNext(ledger, at: 0)
        // A group whose second entry is unknown rolls back: no request, no callbacks, no rows.
        let unknown = DeletionSubmission(targetKind: .record, targetKey: recordKey(999), receivedAt: t(1), dueAt: t(100))
        let failed = try ledger.submitGroups([IntakeGroup(submissions: [deleteRecord(0, at: 1), unknown], externalID: "x", callbacks: Self.callbacks)])
        guard case .failed = failed[0] else { Issue.record("the group should fail"); return }
        #expect(try Self.rows(ledger).isEmpty)
        #expect(try ledger.pendingRequests().isEmpty)

        // A good group: "pending" to each status URL (fides hears only of completion).
        let outcomes = try ledger.submitGroups([
            IntakeGroup(submissions: [deleteRecord(1, at: 2), deleteRecord(2, at: 2)], externalID: "ext-7", callbacks: Self.callbacks),
            IntakeGroup(submissions: [deleteRecord(3, at: 2)], externalID: nil),  // no callbacks: no rows
        ])
        guard case .recorded(let results, _) = outcomes[0], case .recorded(let plain, _) = outcomes[1] else {
            Issue.record("groups failed"); return
        }
        let (a, b) = (results[0].request.id, results[1].request.id)
        #expect(try Self.rows(ledger) == ["\(a) status pending", "\(a) status pending", "\(b) status pending", "\(b) status pending"])
        let first = try ledger.callbacks(limit: 1000).last!
        let body = try JSONSerialization.jsonObject(with: Data(first.body.utf8)) as? [String: Any]
        #expect(body?["deletion_id"] as? Int == Int(a) && body?["external_id"] as? String == "ext-7" && body?["status"] as? String == "pending")
        #expect(try ledger.callbacks(ofRequest: a) == Self.callbacks)
        #expect(try ledger.callbacks(ofRequest: plain[0].request.id) == nil)
        // A repeat of the call adds nothing.
        _ = try ledger.submitGroups([IntakeGroup(submissions: [deleteRecord(1, at: 3)], externalID: "ext-7", callbacks: Self.callbacks)])
        #expect(try Self.rows(ledger).count == 4)

        // Job start and failure: in_progress then failed, in their own transactions.
        let job = try ledger.startJob(kind: .retrain, plan: "{}", worker: nil, at: t(4), requests: [a, b, plain[0].request.id])
        try ledger.failJob(id: job, error: "boom", at: t(5))
        #expect(try Self.rows(ledger).suffix(8) == [
            "\(a) status in_progress", "\(a) status in_progress", "\(b) status in_progress", "\(b) status in_progress",
            "\(a) status failed", "\(a) status failed", "\(b) status failed", "\(b) status failed",
        ])

        // A publish that fails (stale parent) writes no completion and no row.
        let before = try Self.rows(ledger)
        #expect(throws: LedgerError.self) {
            try ledger.publish(PublishInput(parent: 7, kind: .retrain, manifest: "{}", manifestSHA256: Ledger.sha256Hex("{}"),
                                            jobID: nil, completedRequests: [a], receipts: [a: "{}"], at: t(6)))
        }
        #expect(try Self.rows(ledger) == before)
        #expect(try ledger.request(id: a)?.status == .pending)

        // Publish: "completed" to each URL and fides's callback, held until the version is purged.
        let version = try publishNext(ledger, completing: [a], at: 7)
        let completion = try ledger.callbacks(limit: 3)
        #expect(Set(completion.map { "\($0.target.rawValue) \($0.status) \($0.heldForVersion ?? -1)" })
                == ["status completed \(version.version)", "fides completed \(version.version)"])
        let fides = completion.first { $0.target == .fides }!
        #expect(fides.body == #"{"rows_masked":1}"# && fides.url == "/api/v1/request-task/t-1/callback")
        #expect(!fides.body.contains("tok-secret"))
        let heldIDs = Set(completion.map(\.id))
        #expect(try ledger.dueCallbacks(now: t(100), limit: 100, servedVersion: nil).allSatisfy { !heldIDs.contains($0.id) })
        try ledger.markPurged(version: version.version, at: t(8))
        #expect(try !ledger.isPurged(throughVersion: version.version), "version 1 was never purged")
        try ledger.markPurged(version: version.version, andEarlier: true, at: t(8))
        #expect(try ledger.isPurged(throughVersion: version.version))

        // Cancellation tells b's URLs "cancelled".
        try ledger.cancelRequest(id: b, by: "test", at: t(9))
        #expect(try Self.rows(ledger).suffix(2) == ["\(b) status cancelled", "\(b) status cancelled"])
        #expect(try ledger.verifyChain().isIntact)
    }

    @Test("due rows go out in order per target; attempts, give-up and retry are recorded")
    func deliveryBookkeeping() throws {
        let ledger = try Ledger.inMemory()
        try ledger.insertRecords(sampleRecords(count: 4))
        try publishNext(ledger, at: 0)
        try ledger.markPurged(version: 1, andEarlier: true)
        let one = RequestCallbacks(statusURLs: ["http://hooks.example/a"])
        _ = try ledger.submitGroups([IntakeGroup(submissions: [deleteRecord(0, at: 1)], externalID: nil, callbacks: one)])
        let request = try ledger.pendingRequests()[0].id
        try ledger.cancelRequest(id: request, by: nil, at: t(2))
        // Only the first of the two rows for that URL is due: statuses arrive in order.
        let due = try ledger.dueCallbacks(now: t(10), limit: 10, servedVersion: nil)
        #expect(due.map(\.status) == ["pending"])
        try ledger.recordAttempt(due[0], .retry(error: "HTTP 500", next: t(20)), httpStatus: 500, at: t(10))
        #expect(try ledger.dueCallbacks(now: t(15), limit: 10, servedVersion: nil).isEmpty)
        #expect(try ledger.nextCallbackTime(servedVersion: nil) == t(20))
        let summary = try ledger.outboxSummary()
        #expect(summary.pending == 2 && summary.failing.map(\.host) == ["hooks.example"] && summary.failing[0].lastError == "HTTP 500")
        let again = try ledger.dueCallbacks(now: t(20), limit: 10, servedVersion: nil)
        try ledger.recordAttempt(again[0], .givenUp(error: "HTTP 500"), httpStatus: 500, at: t(20))
        #expect(try ledger.events(requestID: request).last?.kind == .callbackGivenUp)
        // Given up, the next status is no longer held back.
        #expect(try ledger.dueCallbacks(now: t(21), limit: 10, servedVersion: nil).map(\.status) == ["cancelled"])
        #expect(try ledger.callbacks(failingOnly: true).map(\.status) == ["pending"])
        #expect(throws: LedgerError.self) { try ledger.retryCallbacks(id: 999, by: nil, at: t(22)) }
        #expect(try ledger.retryCallbacks(id: nil, by: "cli", at: t(22)) == 1)
        #expect(try ledger.dueCallbacks(now: t(22), limit: 10, servedVersion: nil).map(\.status) == ["pending"])
        #expect(try ledger.events().last?.kind == .callbackRetried)
        #expect(try ledger.verifyChain().isIntact)
    }

    @Test("a completion waits until it is purged and until the service predicts with its version")
    func completionWaitsForServedVersion() throws {
        let ledger = try Ledger.inMemory()
        try ledger.insertRecords(sampleRecords(count: 4))
        try publishNext(ledger, at: 0)
        try ledger.markPurged(version: 1, andEarlier: true)
        let one = RequestCallbacks(statusURLs: ["http://hooks.example/a"])
        _ = try ledger.submitGroups([IntakeGroup(submissions: [deleteRecord(0, at: 1)], externalID: nil, callbacks: one)])
        let request = try ledger.pendingRequests()[0].id
        let pending = try ledger.dueCallbacks(now: t(2), limit: 10, servedVersion: 1)
        #expect(pending.map(\.status) == ["pending"], "a row held for no version goes out whatever is served")
        try ledger.recordAttempt(pending[0], .delivered, httpStatus: 200, at: t(2))
        let version = try publishNext(ledger, completing: [request], at: 3).version
        try ledger.markPurged(version: version, andEarlier: true, at: t(4))
        func due(_ served: Int?) throws -> [String] { try ledger.dueCallbacks(now: t(10), limit: 10, servedVersion: served).map(\.status) }
        #expect(try due(version - 1).isEmpty, "the service still predicts with the version before")
        #expect(try ledger.nextCallbackTime(servedVersion: version - 1) == nil)
        #expect(try due(version) == ["completed"])
        #expect(try due(version + 1) == ["completed"])
        #expect(try due(nil) == ["completed"], "no model served: nothing to wait for")
        #expect(try ledger.nextCallbackTime(servedVersion: version) == t(3))
    }
}
