import Foundation
import Testing
import UnlearnLedger

@Suite("Audit payloads")
struct PayloadTests {
    /// The payload of the newest event, parsed.
    func lastPayload(_ ledger: Ledger) throws -> [String: Any] {
        let event = try #require(try ledger.events(requestID: nil, recordKey: nil, shard: nil, since: nil,
            until: nil, limit: nil).last)
        let object = try JSONSerialization.jsonObject(with: Data(event.payload.utf8))
        return try #require(object as? [String: Any])
    }

    @Test("request.received is valid JSON that round-trips awkward text and dates", arguments: [
        "plain", "quote \" and backslash \\", "line\nbreak\ttab\r", "control \u{01}\u{1f}", "unicode é 漢字 🙂", "",
    ])
    func receivedRoundTrip(reason: String) throws {
        let ledger = try Ledger.inMemory()
        try ledger.insertRecords(sampleRecords(count: 3))
        let request = try ledger.submitDeletion(DeletionSubmission(
            targetKind: .record, targetKey: recordKey(2), receivedAt: t(0.25), dueAt: t(86_400),
            requestedBy: "ops \"team\"", reason: reason)).request
        let payload = try lastPayload(ledger)
        #expect(payload["reason"] as? String == reason)
        #expect(payload["requested_by"] as? String == "ops \"team\"")
        #expect(payload["target_kind"] as? String == "record")
        #expect(payload["target_key"] as? String == recordKey(2))
        #expect(payload["received_at"] as? String == "2025-01-01T00:00:00.250Z")
        #expect(payload["due_at"] as? String == "2025-01-02T00:00:00Z")
        let records = try #require(payload["records"] as? [[String: Any]])
        #expect(records.count == 1)
        #expect(records.first?["key"] as? String == recordKey(2))
        #expect(records.first?["shard"] as? Int == request.records[0].shard)
        #expect(records.first?["slice"] as? Int == request.records[0].slice)
    }

    @Test("a missing reason and requester are JSON nulls")
    func nulls() throws {
        let ledger = try Ledger.inMemory()
        try ledger.insertRecords(sampleRecords(count: 3))
        _ = try ledger.submitDeletion(DeletionSubmission(
            targetKind: .subject, targetKey: subjectKey(0), receivedAt: t(0), dueAt: t(1)))
        let payload = try lastPayload(ledger)
        #expect(payload["reason"] is NSNull)
        #expect(payload["requested_by"] is NSNull)
        #expect((payload["records"] as? [Any])?.count == 3)
    }

    @Test("job and version payloads parse and carry their numbers")
    func jobAndVersion() throws {
        let ledger = try Ledger.inMemory()
        let job = try ledger.startJob(kind: .retrain, plan: "{}", worker: "w\n1", at: t(0))
        #expect(try lastPayload(ledger)["worker"] as? String == "w\n1")
        #expect(try lastPayload(ledger)["job_id"] as? Int == Int(job))
        try ledger.failJob(id: job, error: "bad \"thing\"", at: t(1.5))
        #expect(try lastPayload(ledger)["error"] as? String == "bad \"thing\"")
        #expect(try lastPayload(ledger)["seconds"] as? Double == 1.5)
        try publishNext(ledger, at: 2)
        let published = try lastPayload(ledger)
        #expect(published["version"] as? Int == 1)
        #expect(published["parent"] is NSNull)
        #expect(published["kind"] as? String == "train")
    }
}
