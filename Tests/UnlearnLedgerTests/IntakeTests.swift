import Foundation
import Testing
import UnlearnLedger

@Suite("Intake")
struct IntakeTests {
    @Test("an unknown record is an error and writes nothing")
    func unknownRecord() throws {
        try withFileLedger { ledger, _ in
            try ledger.insertRecords(sampleRecords(count: 3))
            #expect(throws: LedgerError.unknownRecord(key: recordKey(42))) {
                try ledger.submitDeletion(deleteRecord(42))
            }
            #expect(try ledger.pendingRequests().isEmpty)
            #expect(try ledger.events(requestID: nil, recordKey: nil, shard: nil, since: nil, until: nil, limit: nil)
                .map(\.kind.rawValue) == ["records.indexed"])
        }
    }

    @Test("an unknown subject is an error")
    func unknownSubject() throws {
        let ledger = try Ledger.inMemory()
        try ledger.insertRecords(sampleRecords(count: 3))
        #expect(throws: LedgerError.unknownSubject(key: subjectKey(9))) {
            try ledger.submitDeletion(deleteSubject(9))
        }
    }

    @Test("a record request is durable, marks the record pending and appends request.received")
    func recordRequest() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let id: Int64
        do {
            let ledger = try Ledger(path: dir.ledgerPath)
            try ledger.insertRecords(sampleRecords(count: 10))
            let result = try ledger.submitDeletion(deleteRecord(5, at: 100))
            #expect(result.created)
            id = result.request.id
            #expect(result.request.status == .pending)
            #expect(result.request.records.map(\.key) == [recordKey(5)])
            #expect(result.request.records.first?.state == .pending)
        }
        // Reopen: what was acknowledged is on disk.
        let ledger = try Ledger(path: dir.ledgerPath)
        let stored = try #require(try ledger.request(id: id))
        #expect(stored.targetKind == .record)
        #expect(stored.targetKey == recordKey(5))
        #expect(stored.receivedAt == t(100))
        #expect(stored.dueAt == t(100 + 30 * 86_400))
        #expect(stored.requestedBy == "tester")
        #expect(stored.reason == "test")
        #expect(stored.records == [RecordEntry(
            key: recordKey(5), subjectKey: subjectKey(1), shard: 1, slice: 1, state: .pending)])
        #expect(try ledger.record(key: recordKey(5))?.state == .pending)
        let events = try ledger.events(requestID: id, recordKey: nil, shard: nil, since: nil, until: nil, limit: nil)
        #expect(events.map(\.kind.rawValue) == ["request.received"])
        #expect(events.first?.recordKey == recordKey(5))
        #expect(events.first?.shard == 1)
        #expect(events.first?.payload.contains(#""target_kind":"record""#) == true)
    }

    @Test("repeating a record request returns the same request, not a new one")
    func idempotentRepeat() throws {
        try withFileLedger { ledger, _ in
            try ledger.insertRecords(sampleRecords(count: 10))
            let first = try ledger.submitDeletion(deleteRecord(3, at: 0))
            let again = try ledger.submitDeletion(deleteRecord(3, at: 50))
            #expect(first.created)
            #expect(!again.created)
            #expect(again.request.id == first.request.id)
            #expect(again.request.receivedAt == t(0))
            #expect(try ledger.pendingRequests().count == 1)
            #expect(try ledger.events(requestID: nil, recordKey: nil, shard: nil, since: nil, until: nil, limit: nil)
                .filter { $0.kind == .requestReceived }.count == 1)
        }
    }

    @Test("a subject request covers every record of the subject, across shards")
    func subjectRequest() throws {
        try withFileLedger { ledger, _ in
            try ledger.insertRecords(sampleRecords(count: 12, shards: 4, perSubject: 3))
            let result = try ledger.submitDeletion(deleteSubject(1))  // records 3, 4, 5
            #expect(result.created)
            #expect(result.request.targetKind == .subject)
            #expect(Set(result.request.records.map(\.key)) == Set([3, 4, 5].map(recordKey)))
            #expect(result.request.shards == [0, 1, 3])
            #expect(try ledger.recordCounts() == [.live: 9, .pending: 3, .deleted: 0])
            // Spanning shards, so its event carries no single shard; the shard filter still finds it.
            let event = try #require(try ledger.events(
                requestID: result.request.id, recordKey: nil, shard: nil, since: nil, until: nil, limit: nil).first)
            #expect(event.shard == nil)
            #expect(event.recordKey == nil)
            #expect(try ledger.events(requestID: nil, recordKey: nil, shard: 3, since: nil, until: nil, limit: nil)
                .map(\.requestID) == [result.request.id])
            #expect(try ledger.events(requestID: nil, recordKey: recordKey(4), shard: nil, since: nil, until: nil,
                limit: nil).map(\.requestID) == [result.request.id])
        }
    }

    @Test("a subject partly covered by a record request gets a request for the rest only")
    func subjectPartlyCovered() throws {
        try withFileLedger { ledger, _ in
            try ledger.insertRecords(sampleRecords(count: 12, perSubject: 3))
            let single = try ledger.submitDeletion(deleteRecord(4))
            let subject = try ledger.submitDeletion(deleteSubject(1, at: 10))
            #expect(subject.created)
            #expect(Set(subject.request.records.map(\.key)) == Set([3, 5].map(recordKey)))

            // Everything is covered now: the newest covering request comes back.
            let repeated = try ledger.submitDeletion(deleteSubject(1, at: 20))
            #expect(!repeated.created)
            #expect(repeated.request.id == subject.request.id)
            #expect(repeated.request.id != single.request.id)
            #expect(try ledger.pendingRequests().count == 2)
        }
    }

    @Test("a subject whose records are all covered by record requests returns the newest of them")
    func subjectFullyCoveredByRecordRequests() throws {
        let ledger = try Ledger.inMemory()
        try ledger.insertRecords(sampleRecords(count: 6, perSubject: 2))
        _ = try ledger.submitDeletion(deleteRecord(2))
        let newest = try ledger.submitDeletion(deleteRecord(3))
        let result = try ledger.submitDeletion(deleteSubject(1))
        #expect(!result.created)
        #expect(result.request.id == newest.request.id)
    }

    @Test("an already deleted record returns its completed request")
    func alreadyDeleted() throws {
        try withFileLedger { ledger, _ in
            try ledger.insertRecords(sampleRecords(count: 6))
            try publishNext(ledger, at: 0)
            let request = try ledger.submitDeletion(deleteRecord(2)).request
            try publishNext(ledger, completing: [request.id])
            #expect(try ledger.record(key: recordKey(2))?.state == .deleted)

            let again = try ledger.submitDeletion(deleteRecord(2, at: 5_000))
            #expect(!again.created)
            #expect(again.request.id == request.id)
            #expect(again.request.status == .completed)
            #expect(again.request.modelVersion == 2)

            // Same for a subject whose only remaining records are deleted.
            let bySubject = try ledger.submitDeletion(deleteSubject(0, at: 6_000))  // records 0, 1, 2
            #expect(bySubject.created)
            #expect(Set(bySubject.request.records.map(\.key)) == Set([0, 1].map(recordKey)))
        }
    }

    @Test("a rejected request frees its record for a new request")
    func rejected() throws {
        let ledger = try Ledger.inMemory()
        try ledger.insertRecords(sampleRecords(count: 4))
        let first = try ledger.submitDeletion(deleteRecord(1)).request
        let rejected = try ledger.rejectRequest(id: first.id, reason: "not the data subject", at: t(10))
        #expect(rejected.status == .rejected)
        #expect(try ledger.record(key: recordKey(1))?.state == .live)
        #expect(throws: LedgerError.requestNotPending(id: first.id, status: .rejected)) {
            try ledger.rejectRequest(id: first.id, reason: nil, at: t(11))
        }
        let second = try ledger.submitDeletion(deleteRecord(1, at: 20))
        #expect(second.created)
        #expect(second.request.id != first.id)
        #expect(try ledger.record(key: recordKey(1))?.state == .pending)
    }

    @Test("a batch is written in one transaction and sees its own earlier submissions")
    func batched() throws {
        try withFileLedger { ledger, _ in
            try ledger.insertRecords(sampleRecords(count: 30, perSubject: 3))
            let results = try ledger.submitDeletions([
                deleteRecord(1, at: 1), deleteRecord(2, at: 2), deleteRecord(1, at: 3), deleteSubject(0, at: 4),
                deleteSubject(5, at: 5),
            ])
            #expect(results.map(\.created) == [true, true, false, true, true])
            #expect(results[2].request.id == results[0].request.id)
            #expect(results[3].request.records.map(\.key) == [recordKey(0)])  // 1 and 2 already covered
            #expect(try ledger.pendingRequests().map(\.id) == [results[0], results[1], results[3], results[4]]
                .map(\.request.id))
        }
    }

    @Test("a batch with one bad submission writes nothing")
    func batchAllOrNothing() throws {
        try withFileLedger { ledger, _ in
            try ledger.insertRecords(sampleRecords(count: 10))
            #expect(throws: LedgerError.unknownRecord(key: recordKey(77))) {
                try ledger.submitDeletions([deleteRecord(1), deleteRecord(2), deleteRecord(77)])
            }
            #expect(try ledger.pendingRequests().isEmpty)
            #expect(try ledger.recordCounts()[.pending] == 0)
            #expect(try ledger.verifyChain().eventsChecked == 1)
            // The failed batch consumed no ids or seqs that a later request would skip.
            let next = try ledger.submitDeletion(deleteRecord(1))
            #expect(next.request.id == 1)
            #expect(try ledger.verifyChain() == ChainReport(eventsChecked: 2))
        }
    }

    @Test("pending requests come oldest first with their records, and the summary agrees")
    func pendingOrderAndSummary() throws {
        let ledger = try Ledger.inMemory()
        try ledger.insertRecords(sampleRecords(count: 10))
        #expect(try ledger.pendingSummary().count == 0)
        #expect(try ledger.pendingSummary().earliestDue == nil)
        _ = try ledger.submitDeletion(deleteRecord(1, at: 300))
        _ = try ledger.submitDeletion(deleteRecord(2, at: 100))
        _ = try ledger.submitDeletion(deleteRecord(3, at: 200))
        let pending = try ledger.pendingRequests()
        #expect(pending.map(\.targetKey) == [2, 3, 1].map(recordKey))
        #expect(pending.allSatisfy { $0.records.count == 1 })
        let summary = try ledger.pendingSummary()
        #expect(summary.count == 3)
        #expect(summary.earliestDue == t(100 + 30 * 86_400))
    }
}
