import Foundation
import Testing
@testable import UnlearnLedger

@Suite("Group intake and service tables")
struct GroupIntakeTests {
    @Test("groups commit together, each all or nothing on its own")
    func groupsAreIndependent() throws {
        let ledger = try Ledger.inMemory()
        try ledger.insertRecords(sampleRecords(count: 12))
        let outcomes = try ledger.submitGroups([
            IntakeGroup(submissions: [deleteRecord(0), deleteRecord(1)], externalID: "a"),
            IntakeGroup(submissions: [deleteRecord(2), DeletionSubmission(targetKind: .record, targetKey: recordKey(999), receivedAt: t(0), dueAt: t(100))], externalID: "b"),
            IntakeGroup(submissions: [deleteSubject(1)], externalID: nil),
        ])
        guard case .recorded(let first, let repeated) = outcomes[0] else { Issue.record("group 0 failed"); return }
        #expect(first.count == 2 && !repeated && first.allSatisfy(\.created))
        guard case .failed(let position, _) = outcomes[1] else { Issue.record("group 1 should fail"); return }
        #expect(position == 1)
        guard case .recorded(let third, _) = outcomes[2] else { Issue.record("group 2 failed"); return }
        #expect(third[0].request.records.count == 3)
        // The failed group left nothing behind: record 2 is live, no request names it.
        #expect(try ledger.record(key: recordKey(2))?.state == .live)
        #expect(try ledger.pendingRequests().count == 3)
        #expect(try ledger.verifyChain().isIntact)
        // A repeat of an external id answers with the first call's requests.
        let again = try ledger.submitGroups([IntakeGroup(submissions: [deleteRecord(5)], externalID: "a")])
        guard case .recorded(let repeatResults, let wasRepeat) = again[0] else { Issue.record("repeat failed"); return }
        #expect(wasRepeat && repeatResults.map(\.request.id) == first.map(\.request.id))
        #expect(try ledger.requests(externalID: "a")?.count == 2)
    }

    @Test("cancel, tokens and pages")
    func cancelTokensPages() throws {
        let ledger = try Ledger.inMemory()
        try ledger.insertRecords(sampleRecords(count: 12))
        let results = try ledger.submitDeletions([deleteRecord(0), deleteRecord(1), deleteRecord(2)])
        let cancelled = try ledger.cancelRequest(id: results[1].request.id, by: "token:test", at: t(5))
        #expect(cancelled.status == .rejected)
        #expect(try ledger.serviceInfo(requestID: cancelled.id).cancelledAt != nil)
        #expect(throws: LedgerError.self) { try ledger.cancelRequest(id: cancelled.id, by: nil, at: t(6)) }
        #expect(try ledger.record(key: recordKey(1))?.state == .live)
        let page = try ledger.requestPage(RequestPageQuery(status: .pending, limit: 1))
        #expect(page.map(\.id) == [results[0].request.id])
        let next = try ledger.requestPage(RequestPageQuery(status: .pending, after: page[0].id, limit: 5))
        #expect(next.map(\.id) == [results[2].request.id])
        #expect(try ledger.pendingStats(now: t(0)).count == 2)
        #expect(try ledger.pendingShards() == Set([results[0].request.records[0].shard, results[2].request.records[0].shard]))

        let token = try ledger.createToken(name: "ops", role: "operator", sha256: String(repeating: "a", count: 64), at: t(1))
        #expect(try ledger.tokens().map(\.id) == [token.id])
        #expect(try ledger.revokeToken(idOrName: "ops", at: t(2)) == 1)
        #expect(try ledger.revokeToken(idOrName: "ops", at: t(3)) == 0)
        #expect(try ledger.tokens()[0].revokedAt != nil)
        #expect(try ledger.verifyChain().isIntact)
        let kinds = try ledger.events().map(\.kind)
        #expect(kinds.contains(AuditEventKind.requestCancelled) && kinds.contains(AuditEventKind.tokenCreated) && kinds.contains(AuditEventKind.tokenRevoked))
    }
}
