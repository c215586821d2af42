import Foundation
import Testing
import UnlearnLedger

@Suite("Request queries")
struct QueryTests {
    /// 24 records in 4 shards, subjects of 3. Requests (received_at):
    /// A record 5 (0), B subject 2 = records 6,7,8 (100), C record 13 (200, due soon),
    /// D record 20 (300, then completed), E record 21 (400, then rejected).
    struct Fixture {
        let ledger: Ledger
        let a, b, c, d, e: Int64
    }

    func fixture(_ ledger: Ledger) throws -> Fixture {
        try ledger.insertRecords(sampleRecords(count: 24, shards: 4, slices: 2, perSubject: 3))
        try publishNext(ledger, at: 0)
        let a = try ledger.submitDeletion(deleteRecord(5, at: 0)).request.id
        let b = try ledger.submitDeletion(deleteSubject(2, at: 100)).request.id
        let c = try ledger.submitDeletion(DeletionSubmission(
            targetKind: .record, targetKey: recordKey(13), receivedAt: t(200), dueAt: t(1_000))).request.id
        let d = try ledger.submitDeletion(deleteRecord(20, at: 300)).request.id
        let e = try ledger.submitDeletion(deleteRecord(21, at: 400)).request.id
        try publishNext(ledger, completing: [d], at: 500)
        try ledger.rejectRequest(id: e, reason: nil, at: t(600))
        return Fixture(ledger: ledger, a: a, b: b, c: c, d: d, e: e)
    }

    func ids(_ ledger: Ledger, _ filter: RequestFilter) throws -> [Int64] {
        try ledger.queryRequests(filter).map(\.id)
    }

    @Test("no filter returns every request by received_at, with records")
    func all() throws {
        try withFileLedger { ledger, _ in
            let f = try fixture(ledger)
            let all = try ledger.queryRequests(RequestFilter())
            #expect(all.map(\.id) == [f.a, f.b, f.c, f.d, f.e])
            #expect(all.map(\.records.count) == [1, 3, 1, 1, 1])
        }
    }

    @Test("each filter on its own")
    func eachFilter() throws {
        try withFileLedger { ledger, _ in
            let f = try fixture(ledger)
            #expect(try ids(ledger, RequestFilter(recordKey: recordKey(7))) == [f.b])
            #expect(try ids(ledger, RequestFilter(recordKey: recordKey(5))) == [f.a])
            #expect(try ids(ledger, RequestFilter(recordKey: recordKey(0))) == [])
            // Subject 1 (records 3, 4, 5) matches A through its record; subject 2 matches B by target.
            #expect(try ids(ledger, RequestFilter(subjectKey: subjectKey(1))) == [f.a])
            #expect(try ids(ledger, RequestFilter(subjectKey: subjectKey(2))) == [f.b])
            #expect(try ids(ledger, RequestFilter(requestID: f.c)) == [f.c])
            #expect(try ids(ledger, RequestFilter(since: t(100))) == [f.b, f.c, f.d, f.e])
            #expect(try ids(ledger, RequestFilter(until: t(200))) == [f.a, f.b])
            #expect(try ids(ledger, RequestFilter(since: t(100), until: t(300))) == [f.b, f.c])
            // Shards: record i is in shard i % 4. A: 5→1; B: 6,7,8→2,3,0; C: 13→1; D: 20→0; E: 21→1.
            #expect(try ids(ledger, RequestFilter(shard: 1)) == [f.a, f.c, f.e])
            #expect(try ids(ledger, RequestFilter(shard: 0)) == [f.b, f.d])
            #expect(try ids(ledger, RequestFilter(status: .pending)) == [f.a, f.b, f.c])
            #expect(try ids(ledger, RequestFilter(status: .completed)) == [f.d])
            #expect(try ids(ledger, RequestFilter(status: .rejected)) == [f.e])
            #expect(try ids(ledger, RequestFilter(overdueAt: t(2_000))) == [f.c])
            #expect(try ids(ledger, RequestFilter(overdueAt: t(1_000))) == [])  // due_at < overdueAt, strictly
            #expect(try ids(ledger, RequestFilter(overdueAt: t(365 * 86_400))) == [f.a, f.b, f.c])
            #expect(try ids(ledger, RequestFilter(limit: 2)) == [f.a, f.b])
        }
    }

    @Test("filters are ANDed")
    func combined() throws {
        try withFileLedger { ledger, _ in
            let f = try fixture(ledger)
            #expect(try ids(ledger, RequestFilter(shard: 1, status: .pending)) == [f.a, f.c])
            #expect(try ids(ledger, RequestFilter(since: t(150), shard: 1, status: .pending)) == [f.c])
            #expect(try ids(ledger, RequestFilter(recordKey: recordKey(5), shard: 2)) == [])
            #expect(try ids(ledger, RequestFilter(subjectKey: subjectKey(2), shard: 3, overdueAt: t(86_400 * 365)))
                == [f.b])
            #expect(try ids(ledger, RequestFilter(shard: 1, overdueAt: t(2_000), limit: 5)) == [f.c])
        }
    }

    @Test("a completed request shows its receipt, version and deleted records")
    func completedDetails() throws {
        try withFileLedger { ledger, _ in
            let f = try fixture(ledger)
            let d = try #require(try ledger.queryRequests(RequestFilter(recordKey: recordKey(20))).first)
            #expect(d.id == f.d)
            #expect(d.modelVersion == 2)
            #expect(d.receipt == #"{"request":\#(f.d)}"#)
            #expect(d.records.map(\.state) == [.deleted])
        }
    }
}
