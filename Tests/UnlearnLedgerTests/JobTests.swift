import Foundation
import Testing
import UnlearnLedger

@Suite("Jobs")
struct JobTests {
    @Test("a started job is running and has a job.started event pinning its plan")
    func start() throws {
        try withFileLedger { ledger, _ in
            let plan = #"{"shards":[{"shard":2,"from_slice":1}]}"#
            let id = try ledger.startJob(kind: .retrain, plan: plan, worker: "host:42", at: t(10))
            let job = try #require(try ledger.job(id: id))
            #expect(job.status == .running)
            #expect(job.plan == plan)
            #expect(job.worker == "host:42")
            #expect(job.startedAt == t(10))
            #expect(job.finishedAt == nil)
            let event = try #require(try ledger.events(requestID: nil, recordKey: nil, shard: nil, since: nil,
                until: nil, limit: nil).last)
            #expect(event.kind == .jobStarted)
            #expect(event.payload.contains(Ledger.sha256Hex(plan)))
            #expect(try ledger.job(id: id + 1) == nil)
        }
    }

    @Test("a failed job records its error and duration; failing it twice is refused")
    func fail() throws {
        let ledger = try Ledger.inMemory()
        let id = try ledger.startJob(kind: .retrain, plan: "{}", worker: nil, at: t(10))
        try ledger.failJob(id: id, error: "disk full", at: t(25))
        let job = try #require(try ledger.job(id: id))
        #expect(job.status == .failed)
        #expect(job.error == "disk full")
        #expect(job.seconds == 15)
        #expect(job.finishedAt == t(25))
        #expect(throws: LedgerError.jobNotRunning(id: id, status: .failed)) {
            try ledger.failJob(id: id, error: "again", at: t(30))
        }
        #expect(throws: LedgerError.unknownJob(id: 99)) {
            try ledger.failJob(id: 99, error: "x", at: t(30))
        }
    }

    @Test("abandonRunningJobs fails only running jobs, each with an audit event")
    func abandon() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let (done, failed, running): (Int64, Int64, [Int64])
        do {
            let ledger = try Ledger(path: dir.ledgerPath)
            done = try ledger.startJob(kind: .retrain, plan: "{}", worker: nil, at: t(0))
            try publishNext(ledger, jobID: done, at: 5)
            failed = try ledger.startJob(kind: .retrain, plan: "{}", worker: nil, at: t(10))
            try ledger.failJob(id: failed, error: "boom", at: t(11))
            running = try [20, 30].map { try ledger.startJob(kind: .retrain, plan: "{}", worker: "w", at: t($0)) }
        }
        // As after a crash: reopen and recover.
        let ledger = try Ledger(path: dir.ledgerPath)
        #expect(try ledger.abandonRunningJobs(at: t(100)) == 2)
        for id in running {
            let job = try #require(try ledger.job(id: id))
            #expect(job.status == .failed)
            #expect(job.error == "interrupted")
            #expect(job.finishedAt == t(100))
        }
        #expect(try ledger.job(id: done)?.status == .completed)
        #expect(try ledger.job(id: failed)?.error == "boom")
        let recent = try ledger.events(requestID: nil, recordKey: nil, shard: nil, since: t(100), until: nil,
            limit: nil)
        #expect(recent.map(\.kind.rawValue) == ["job.failed", "job.failed"])
        #expect(recent.allSatisfy { $0.payload.contains("interrupted") })
        #expect(try ledger.abandonRunningJobs(at: t(200)) == 0)
        #expect(try ledger.jobs(limit: 10).map(\.id) == [running[1], running[0], failed, done])
        #expect(try ledger.jobs(limit: 1).map(\.id) == [running[1]])
        #expect(try ledger.verifyChain().isIntact)
    }
}
