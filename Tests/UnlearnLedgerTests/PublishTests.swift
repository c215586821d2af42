import Foundation
import Testing
import UnlearnLedger

@Suite("Publish")
struct PublishTests {
    @Test("versions number from 1 and link to their parent")
    func numbering() throws {
        try withFileLedger { ledger, _ in
            #expect(try ledger.latestVersion() == nil)
            let first = try publishNext(ledger, at: 10)
            let second = try publishNext(ledger, at: 20)
            let third = try publishNext(ledger, at: 30)
            let published = [first, second, third]
            #expect(published.map(\.version) == [1, 2, 3])
            #expect(published.map(\.parent) == [nil, 1, 2])
            #expect(try ledger.latestVersion() == third)
            #expect(try ledger.version(2) == second)
            #expect(try ledger.version(9) == nil)
            #expect(try ledger.versions().map(\.version) == [1, 2, 3])
            #expect(try ledger.version(1)?.createdAt == t(10))
            #expect(try ledger.version(1)?.manifestSHA256 == Ledger.sha256Hex(#"{"shards":[]}"#))
        }
    }

    @Test("a stale parent is rejected and nothing changes", arguments: [nil, 1] as [Int?])
    func staleParent(parent: Int?) throws {
        try withFileLedger { ledger, _ in
            try ledger.insertRecords(sampleRecords(count: 5))
            try publishNext(ledger, at: 0)
            try publishNext(ledger, at: 1)
            let request = try ledger.submitDeletion(deleteRecord(1)).request
            let job = try ledger.startJob(kind: .retrain, plan: "{}", worker: nil, at: t(2))
            let eventsBefore = try ledger.verifyChain().eventsChecked

            #expect(throws: LedgerError.staleParent(expected: parent, found: 2)) {
                try ledger.publish(PublishInput(
                    parent: parent, kind: .retrain, manifest: "{}", manifestSHA256: Ledger.sha256Hex("{}"),
                    jobID: job, completedRequests: [request.id], receipts: [request.id: "{}"], at: t(3)))
            }
            #expect(try ledger.latestVersion()?.version == 2)
            #expect(try ledger.request(id: request.id)?.status == .pending)
            #expect(try ledger.record(key: recordKey(1))?.state == .pending)
            #expect(try ledger.job(id: job)?.status == .running)
            #expect(try ledger.verifyChain() == ChainReport(eventsChecked: eventsBefore))
        }
    }

    @Test("publish completes requests with receipts, deletes their records and finishes the job")
    func completesEverything() throws {
        try withFileLedger { ledger, _ in
            try ledger.insertRecords(sampleRecords(count: 12, perSubject: 3))
            let base = try publishNext(ledger, at: 0)
            let byRecord = try ledger.submitDeletion(deleteRecord(7, at: 10)).request
            let bySubject = try ledger.submitDeletion(deleteSubject(0, at: 20)).request  // 0, 1, 2
            let untouched = try ledger.submitDeletion(deleteRecord(9, at: 30)).request
            let job = try ledger.startJob(kind: .retrain, plan: #"{"shards":[0,1,2,3]}"#, worker: "host:1", at: t(100))

            let receipts = [byRecord.id: #"{"r":"a"}"#, bySubject.id: #"{"r":"b"}"#]
            let version = try ledger.publish(PublishInput(
                parent: base.version, kind: .retrain, manifest: #"{"v":2}"#,
                manifestSHA256: Ledger.sha256Hex(#"{"v":2}"#), jobID: job,
                completedRequests: [byRecord.id, bySubject.id], receipts: receipts, at: t(160), jobSeconds: 42.5))
            #expect(version.version == 2)
            #expect(version.jobID == job)

            for id in [byRecord.id, bySubject.id] {
                let request = try #require(try ledger.request(id: id))
                #expect(request.status == .completed)
                #expect(request.completedAt == t(160))
                #expect(request.jobID == job)
                #expect(request.modelVersion == 2)
                #expect(request.receipt == receipts[id])
                #expect(request.records.allSatisfy { $0.state == .deleted && $0.deletedVersion == 2 })
            }
            #expect(try ledger.request(id: untouched.id)?.status == .pending)
            #expect(try ledger.recordCounts() == [.live: 7, .pending: 1, .deleted: 4])
            #expect(try ledger.record(key: recordKey(7))?.deletedVersion == 2)

            let finished = try #require(try ledger.job(id: job))
            #expect(finished.status == .completed)
            #expect(finished.finishedAt == t(160))
            #expect(finished.seconds == 42.5)
            #expect(try ledger.pendingSummary().count == 1)

            let tail = Array(try ledger.events(requestID: nil, recordKey: nil, shard: nil, since: nil, until: nil,
                limit: nil).suffix(3))
            #expect(tail.map(\.kind.rawValue) == ["version.published", "request.completed", "request.completed"])
            #expect(tail[0].payload.contains(#""manifest_sha256":"\#(Ledger.sha256Hex(#"{"v":2}"#))""#))
            #expect(tail[0].payload.contains(#""parent":1"#))
            #expect(tail[1].payload == receipts[byRecord.id])
            #expect(tail[1].recordKey == recordKey(7))
            #expect(tail[2].payload == receipts[bySubject.id])
            #expect(try ledger.verifyChain().isIntact)
        }
    }

    @Test("a request listed twice is completed once")
    func duplicateRequestIDs() throws {
        let ledger = try Ledger.inMemory()
        try ledger.insertRecords(sampleRecords(count: 5))
        let request = try ledger.submitDeletion(deleteRecord(3)).request
        try publishNext(ledger, completing: [request.id, request.id])
        let events = try ledger.events(requestID: request.id, recordKey: nil, shard: nil, since: nil, until: nil,
            limit: nil)
        #expect(events.map(\.kind.rawValue) == ["request.received", "request.completed"])
        #expect(try ledger.request(id: request.id)?.status == .completed)
    }

    @Test("the first version's event names a null parent")
    func firstVersionPayload() throws {
        let ledger = try Ledger.inMemory()
        try publishNext(ledger, at: 0)
        let event = try #require(try ledger.events(requestID: nil, recordKey: nil, shard: nil, since: nil, until: nil,
            limit: nil).last)
        #expect(event.kind == .versionPublished)
        #expect(event.payload.contains(#""parent":null"#))
        #expect(event.payload.contains(#""version":1"#))
    }

    @Test("publish refuses requests that are not pending or lack a receipt, and a finished job")
    func refusesInvalidInput() throws {
        let ledger = try Ledger.inMemory()
        try ledger.insertRecords(sampleRecords(count: 5))
        try publishNext(ledger, at: 0)
        let request = try ledger.submitDeletion(deleteRecord(1)).request
        func attempt(_ requests: [Int64], receipts: [Int64: String], job: Int64? = nil) throws {
            try ledger.publish(PublishInput(
                parent: 1, kind: .retrain, manifest: "{}", manifestSHA256: "x", jobID: job,
                completedRequests: requests, receipts: receipts, at: t(5)))
        }
        #expect(throws: LedgerError.missingReceipt(requestID: request.id)) {
            try attempt([request.id], receipts: [:])
        }
        #expect(throws: LedgerError.unknownRequest(id: 99)) {
            try attempt([99], receipts: [99: "{}"])
        }
        let job = try ledger.startJob(kind: .retrain, plan: "{}", worker: nil, at: t(1))
        try ledger.failJob(id: job, error: "out of memory", at: t(2))
        #expect(throws: LedgerError.jobNotRunning(id: job, status: .failed)) {
            try attempt([request.id], receipts: [request.id: "{}"], job: job)
        }
        #expect(throws: LedgerError.unknownJob(id: 77)) {
            try attempt([], receipts: [:], job: 77)
        }
        #expect(try ledger.latestVersion()?.version == 1)

        try attempt([request.id], receipts: [request.id: "{}"])
        #expect(throws: LedgerError.requestNotPending(id: request.id, status: .completed)) {
            try ledger.publish(PublishInput(
                parent: 2, kind: .retrain, manifest: "{}", manifestSHA256: "x",
                completedRequests: [request.id], receipts: [request.id: "{}"], at: t(6)))
        }
    }
}
