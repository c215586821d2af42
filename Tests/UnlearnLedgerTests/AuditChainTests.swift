import Foundation
import Testing
import UnlearnLedger

@Suite("Audit chain")
struct AuditChainTests {
    /// A file ledger with a realistic mix of events: `records.indexed`, 40 requests,
    /// jobs, versions, completions and standalone events.
    func busyLedger(_ ledger: Ledger) throws {
        try ledger.insertRecords(sampleRecords(count: 200))
        try publishNext(ledger, at: 0)
        for batch in 0..<4 {
            let ids = try (0..<10).map { i in
                try ledger.submitDeletion(deleteRecord(batch * 10 + i, at: Double(batch * 1_000 + i))).request.id
            }
            let job = try ledger.startJob(kind: .retrain, plan: "{}", worker: "w", at: t(Double(batch * 1_000 + 500)))
            try publishNext(ledger, completing: ids, jobID: job, at: Double(batch * 1_000 + 600))
            try ledger.appendEvent(
                kind: .verifyPassed, requestID: nil, recordKey: nil, shard: batch, payload: #"{"ok":true}"#,
                at: t(Double(batch * 1_000 + 700)))
        }
    }

    var allEvents: (Ledger) throws -> [AuditEvent] {
        { try $0.events(requestID: nil, recordKey: nil, shard: nil, since: nil, until: nil, limit: nil) }
    }

    @Test("a healthy chain verifies, links each event to the one before, and starts from zeros")
    func healthy() throws {
        try withFileLedger { ledger, _ in
            try busyLedger(ledger)
            let events = try allEvents(ledger)
            // 1 indexed + 1 version + 4 × (10 received + started + published + 10 completed + verify)
            #expect(events.count == 2 + 4 * 23)
            #expect(events.first?.prevHash == String(repeating: "0", count: 64))
            #expect(events.map(\.seq) == Array(1...Int64(events.count)))
            for (before, after) in zip(events, events.dropFirst()) {
                #expect(after.prevHash == before.hash)
            }
            #expect(events.allSatisfy { ruleHash($0) == $0.hash })
            #expect(try ledger.verifyChain() == ChainReport(eventsChecked: events.count))
            #expect(try ledger.chainHead()?.hash == events.last?.hash)
        }
    }

    @Test("the hash follows the documented rule, so an outside verifier can recompute it")
    func documentedRule() throws {
        let ledger = try Ledger.inMemory()
        let event = try ledger.appendEvent(
            kind: .storeRecovered, requestID: 7, recordKey: "abc", shard: 3, payload: #"{"n":1}"#, at: t(0.25))
        let bits = String(event.atSeconds.bitPattern, radix: 16)
        let text = [
            String(repeating: "0", count: 64), "1", String(repeating: "0", count: 16 - bits.count) + bits,
            "store.recovered", "7", "abc", "3", #"{"n":1}"#,
        ].joined(separator: "\n")
        #expect(event.hash == Ledger.sha256Hex(text))
        #expect(event.atSeconds == t(0.25).timeIntervalSince1970)
    }

    @Test("editing one column of one event is caught at exactly that seq", arguments: [
        "payload = '{\"ok\":false}'", "kind = 'verify.failed'", "at = at + 1", "shard = 99", "record_key = 'x'",
    ])
    func editCaught(edit: String) throws {
        try withFileLedger { ledger, _ in
            try busyLedger(ledger)
            let target = try #require(try allEvents(ledger).first { $0.kind == .verifyPassed }?.seq)
            try ledger._executeForTesting(sql: "UPDATE audit_event SET \(edit) WHERE seq = \(target)")
            let report = try ledger.verifyChain()
            #expect(report.firstBrokenSeq == target)
            #expect(report.eventsChecked == Int(target))
            #expect(report.reason?.contains("edited") == true)
        }
    }

    @Test("an edited event whose own hash was recomputed breaks the link of the next one")
    func rehashedEditCaught() throws {
        try withFileLedger { ledger, _ in
            try busyLedger(ledger)
            var event = try #require(try allEvents(ledger).first { $0.seq == 30 })
            event.payload = #"{"r":"forged"}"#
            let forged = ruleHash(event)
            try ledger._executeForTesting(sql: """
                UPDATE audit_event SET payload = '\(event.payload)', hash = '\(forged)' WHERE seq = 30
                """)
            let report = try ledger.verifyChain()
            #expect(report.firstBrokenSeq == 31)
            #expect(report.reason?.contains("prev_hash") == true)
        }
    }

    /// The documented hash rule, written out independently of the ledger.
    func ruleHash(_ event: AuditEvent) -> String {
        let bits = String(event.atSeconds.bitPattern, radix: 16)
        return Ledger.sha256Hex([
            event.prevHash, String(event.seq), String(repeating: "0", count: 16 - bits.count) + bits, event.kind.rawValue,
            event.requestID.map { String($0) } ?? "", event.recordKey ?? "", event.shard.map { String($0) } ?? "",
            event.payload,
        ].joined(separator: "\n"))
    }

    @Test("deleting a middle event is caught at the event after it")
    func deletionCaught() throws {
        try withFileLedger { ledger, _ in
            try busyLedger(ledger)
            try ledger._executeForTesting(sql: "DELETE FROM audit_event WHERE seq = 40")
            let report = try ledger.verifyChain()
            #expect(report.firstBrokenSeq == 41)
            #expect(report.reason?.contains("missing") == true)

            // Renumbering to hide the gap still breaks the prev_hash link.
            try ledger._executeForTesting(sql: "UPDATE audit_event SET seq = seq - 1 WHERE seq > 40")
            #expect(try ledger.verifyChain().firstBrokenSeq == 40)
        }
    }

    @Test("swapping two events is caught at the first of them")
    func reorderCaught() throws {
        try withFileLedger { ledger, _ in
            try busyLedger(ledger)
            try ledger._executeForTesting(sql: """
                UPDATE audit_event SET seq = 100000 WHERE seq = 20;
                UPDATE audit_event SET seq = 20 WHERE seq = 21;
                UPDATE audit_event SET seq = 21 WHERE seq = 100000;
                """)
            #expect(try ledger.verifyChain().firstBrokenSeq == 20)
        }
    }

    @Test("truncating the tail leaves a gap that the next append exposes")
    func truncationExposed() throws {
        try withFileLedger { ledger, _ in
            try busyLedger(ledger)
            let last = try #require(try ledger.chainHead()?.seq)
            try ledger._executeForTesting(sql: "DELETE FROM audit_event WHERE seq > \(last - 3)")
            try ledger.appendEvent(kind: .storeRecovered, requestID: nil, recordKey: nil, shard: nil,
                payload: "{}", at: t(99_999))
            let report = try ledger.verifyChain()
            #expect(report.firstBrokenSeq == last + 1)
        }
    }

    @Test("events filter by request, record, shard and time window, and limit")
    func eventFilters() throws {
        try withFileLedger { ledger, _ in
            try busyLedger(ledger)
            let request = try #require(try ledger.queryRequests(RequestFilter(recordKey: recordKey(12))).first)
            let byRequest = try ledger.events(requestID: request.id, recordKey: nil, shard: nil, since: nil,
                until: nil, limit: nil)
            #expect(byRequest.map(\.kind.rawValue) == ["request.received", "request.completed"])
            #expect(try ledger.events(requestID: nil, recordKey: recordKey(12), shard: nil, since: nil, until: nil,
                limit: nil) == byRequest)
            // record 12 is in shard 0; the standalone verify event of batch 0 is in shard 0 too.
            let shardZero = try ledger.events(requestID: nil, recordKey: nil, shard: 0, since: nil, until: nil,
                limit: nil)
            #expect(shardZero.contains { $0.requestID == request.id })
            #expect(shardZero.contains { $0.kind == .verifyPassed })
            #expect(shardZero.allSatisfy { $0.shard == 0 })
            let window = try ledger.events(requestID: nil, recordKey: nil, shard: nil, since: t(1_000),
                until: t(1_600), limit: nil)
            #expect(window.map(\.kind.rawValue) == Array(repeating: "request.received", count: 10) + ["job.started"])
            #expect(try ledger.events(requestID: nil, recordKey: nil, shard: nil, since: nil, until: nil, limit: 3)
                .map(\.seq) == [1, 2, 3])
            #expect(try ledger.events(requestID: request.id, recordKey: recordKey(13), shard: nil, since: nil,
                until: nil, limit: nil).isEmpty)
        }
    }
}
