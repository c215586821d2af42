import Foundation
import Synchronization
import GRDB
import Testing
import UnlearnLedger

@Suite("WAL checkpoints on a connection of their own")
struct CheckpointTests {
    /// Requests in the database file alone: a copy without its WAL sees only checkpointed pages.
    private func requestsInDatabaseFile(_ dir: TempDir, _ name: String) throws -> Int {
        let copy = dir.url.appendingPathComponent(name).path
        try FileManager.default.copyItem(atPath: dir.ledgerPath, toPath: copy)
        let queue = try DatabaseQueue(path: copy)
        return try queue.read { db in
            guard try db.tableExists("deletion_request") else { return 0 }
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM deletion_request") ?? -1
        }
    }

    @Test("the checkpointer copies every committed request into the database file, and the writer's own checkpoints move to the backstop")
    func copiesCommittedFrames() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let ledger = try Ledger(path: dir.ledgerPath, pageCache: .service)
        #expect(try ledger.autoCheckpointPages() == 1_000)
        let checkpointer = try ledger.backgroundCheckpointer()
        #expect(try ledger.autoCheckpointPages() == Ledger.backstopCheckpointPages)
        try ledger.insertRecords(sampleRecords(count: 200))
        try checkpointer.checkpoint()
        for n in 0..<50 { try ledger.submitDeletion(deleteRecord(n, at: Double(n))) }
        // Committed but not yet checkpointed: the file alone still lacks them.
        #expect(try requestsInDatabaseFile(dir, "before.sqlite") == 0)
        #expect(try checkpointer.checkpoint() == 0)
        #expect(try requestsInDatabaseFile(dir, "after.sqlite") == 50)
        // The ledger itself saw all of them all along, and its chain still verifies.
        #expect(try ledger.queryRequests(RequestFilter()).count == 50)
        #expect(try ledger.verifyChain().isIntact)
    }

    @Test("checkpoints running beside a writer lose nothing: every commit is in the file after the last one")
    func besideAWriter() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let ledger = try Ledger(path: dir.ledgerPath, pageCache: .service)
        let checkpointer = try ledger.backgroundCheckpointer(backstopPages: 64)
        try ledger.insertRecords(sampleRecords(count: 2_000))
        // Checkpoints on a thread of their own (not the test's cooperative pool) until the writes end.
        let state = CheckpointLoop()
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            while !state.stop.withLock({ $0 }) {
                do { try checkpointer.checkpoint() } catch { state.failures.withLock { $0 += 1 } }
                state.rounds.withLock { $0 += 1 }
                usleep(300)
            }
            finished.signal()
        }
        for n in 0..<600 {
            let outcomes = try ledger.submitGroups([IntakeGroup(submissions: [deleteRecord(n, at: Double(n))], externalID: "ext-\(n)")])
            guard case .recorded = outcomes[0] else { Issue.record("group \(n) was not recorded"); break }
        }
        state.stop.withLock { $0 = true }
        finished.wait()
        #expect(state.rounds.withLock { $0 } > 10)
        #expect(state.failures.withLock { $0 } == 0)
        #expect(try checkpointer.checkpoint() == 0)
        #expect(try requestsInDatabaseFile(dir, "after.sqlite") == 600)
        #expect(try ledger.verifyChain().isIntact)
    }

    @Test("an in-memory ledger has no WAL to hand over")
    func inMemoryRefuses() throws {
        #expect(throws: LedgerError.self) { try Ledger.inMemory().backgroundCheckpointer() }
    }
}

private final class CheckpointLoop: Sendable {
    let stop = Mutex(false)
    let rounds = Mutex(0)
    let failures = Mutex(0)
}
