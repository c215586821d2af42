import Foundation
import GRDB
import Testing
import UnlearnCore
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

    @Test("a page of pending requests can include those completed in versions not yet purged")
    func completedButUnpurged() throws {
        let ledger = try Ledger.inMemory()
        try ledger.insertRecords(sampleRecords(count: 6))
        try publishNext(ledger, at: 0)
        try ledger.markPurged(version: 1, andEarlier: true)
        let ids = try (0..<3).map { try ledger.submitDeletion(deleteRecord($0, at: 1)).request.id }
        let version = try publishNext(ledger, completing: [ids[0]], at: 2).version  // published, its files not yet purged
        let pendingOnly = try ledger.requestPage(RequestPageQuery(status: .pending))
        #expect(pendingOnly.map(\.id) == [ids[1], ids[2]])
        var query = RequestPageQuery(status: .pending)
        query.completedFromVersion = version
        #expect(try ledger.requestPage(query).map(\.id) == ids)
        query.completedFromVersion = version + 1
        #expect(try ledger.requestPage(query).map(\.id) == [ids[1], ids[2]])
        // The cursor and the limit still apply.
        query.completedFromVersion = version
        query.after = ids[0]
        query.limit = 1
        #expect(try ledger.requestPage(query).map(\.id) == [ids[1]])
    }
}

@Suite("Group intake without savepoints")
struct GroupIntakeFastPathTests {
    /// A few groups of random shape: known and unknown records, repeats inside a group and
    /// across groups, subjects (known and unknown), external ids (new and repeated).
    static func randomGroups(_ random: inout SplitMix64, records: Int) -> [IntakeGroup] {
        (0..<Int(random.next() % 6 + 1)).map { _ in
            let submissions: [DeletionSubmission] = (0..<Int(random.next() % 3 + 1)).map { _ in
                switch random.next() % 10 {
                case 0: DeletionSubmission(targetKind: .record, targetKey: recordKey(10_000 + Int(random.next() % 5)), receivedAt: t(0), dueAt: t(9))
                case 1: deleteSubject(Int(random.next() % UInt64(records / 3 + 2)))
                default: deleteRecord(Int(random.next() % UInt64(records)))
                }
            }
            let external = random.next() % 3 == 0 ? "ext-\(random.next() % 4)" : nil
            return IntakeGroup(submissions: submissions, externalID: external)
        }
    }

    static func snapshot(_ ledger: Ledger) throws -> [String] {
        try ledger.read { db in
            try String.fetchAll(db, sql: "SELECT r.key || ':' || \(Ledger.recordStateSQL) FROM record r ORDER BY r.key")
                + String.fetchAll(db, sql: "SELECT id || ':' || target_key || ':' || status FROM deletion_request ORDER BY id")
                + String.fetchAll(db, sql: "SELECT request_id || ':' || record_key FROM request_record ORDER BY 1")
                // Every column but the hashes, which differ from the first event (`records.indexed`,
                // stamped with the wall clock); `verifyChain` checks the hashes themselves.
                + String.fetchAll(db, sql: """
                    SELECT seq || ':' || kind || ':' || IFNULL(request_id, '-') || ':' || IFNULL(record_key, '-') || ':'
                        || IFNULL(shard, '-') || ':' || payload
                    FROM audit_event WHERE kind <> 'records.indexed' ORDER BY seq
                    """)
                + String.fetchAll(db, sql: "SELECT external_id || ':' || position || ':' || request_id FROM request_external ORDER BY 1")
        }
    }

    static func describe(_ outcomes: [IntakeOutcome]) -> [String] {
        outcomes.map { outcome in
            switch outcome {
            case .recorded(let results, let repeated): "recorded \(repeated) " + results.map { "\($0.request.id)/\($0.created)" }.joined(separator: ",")
            case .failed(let position, let error): "failed \(position) \(error)"
            }
        }
    }

    @Test("checks-then-writes gives the savepoint path's outcomes and ledger, over 200 seeds")
    func sameAsSavepoints() throws {
        for seed in 0..<200 {
            var random = SplitMix64(seed: UInt64(seed))
            let fast = try Ledger.inMemory(), isolated = try Ledger.inMemory()
            for ledger in [fast, isolated] { try ledger.insertRecords(sampleRecords(count: 12)) }
            for _ in 0..<4 {
                let groups = Self.randomGroups(&random, records: 12)
                let a = try fast.write { db in try Ledger.submitGroups(groups, db, isolated: false) }
                let b = try isolated.write { db in try Ledger.submitGroups(groups, db, isolated: true) }
                #expect(Self.describe(a) == Self.describe(b), "seed \(seed)")
            }
            #expect(try Self.snapshot(fast) == Self.snapshot(isolated), "seed \(seed)")
            #expect(try fast.verifyChain().isIntact && isolated.verifyChain().isIntact)
        }
    }

    @Test("a group whose write fails after the checks is redone with savepoints")
    func fallsBackToSavepoints() throws {
        let ledger = try Ledger.inMemory()
        try ledger.insertRecords(sampleRecords(count: 6))
        // Subject 1's records are all deleted with no request covering them: the check sees
        // records, but submitSubject finds nothing to tie the request to and throws (a state
        // the API cannot make). Its group must fail alone, the other group still commit.
        try ledger.write { db in try db.execute(sql: "UPDATE record SET state = 'deleted' WHERE subject_key = ?", arguments: [subjectKey(1)]) }
        let outcomes = try ledger.submitGroups([
            IntakeGroup(submissions: [deleteRecord(0)], externalID: nil),
            IntakeGroup(submissions: [deleteRecord(1), deleteSubject(1)], externalID: nil),
        ])
        guard case .recorded(let first, _) = outcomes[0], case .failed(let position, _) = outcomes[1] else {
            Issue.record("unexpected outcomes \(Self.describe(outcomes))"); return
        }
        #expect(first[0].created && position == 1)
        #expect(try ledger.record(key: recordKey(1))?.state == .live)
        #expect(try ledger.pendingRequests().count == 1)
        #expect(try ledger.verifyChain().isIntact)
    }
}

@Suite("Audit indexes that cost intake no random pages")
struct LeanIndexTests {
    @Test("events by record and shard are found through the request or the partial indexes")
    func lookupsStillFind() throws {
        let ledger = try Ledger.inMemory()
        try ledger.insertRecords(sampleRecords(count: 8))
        let request = try ledger.submitDeletion(deleteRecord(0)).request
        // An event with a record key and shard but no request (as `verify` of a record no
        // request covers writes).
        let lone = try ledger.appendEvent(kind: .verifyPassed, requestID: nil, recordKey: recordKey(5), shard: 1, payload: "{}", at: t(1))
        #expect(try ledger.events(recordKey: recordKey(0)).map(\.requestID) == [request.id])
        #expect(try ledger.events(recordKey: recordKey(5)).map(\.seq) == [lone.seq])
        #expect(try ledger.events(shard: 1).map(\.seq) == [lone.seq])
        #expect(try ledger.events(shard: 0).map(\.requestID) == [request.id])
        #expect(try ledger.events(recordKey: recordKey(3)).isEmpty)
        // The record and shard indexes hold only events without a request; the target index
        // only subject requests.
        let indexes = try ledger.read { db in
            try [String: String](uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
                .map { ($0["name"], $0["sql"]) })
        }
        #expect(indexes["audit_event_record"]?.hasSuffix("WHERE request_id IS NULL") == true)
        #expect(indexes["audit_event_shard"]?.hasSuffix("WHERE request_id IS NULL") == true)
        #expect(indexes["deletion_request_subject"]?.hasSuffix("WHERE target_kind = 'subject'") == true)
        #expect(indexes["deletion_request_target"] == nil)
        // …and SQLite uses them for the lookups that state their condition.
        let plan = try ledger.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT * FROM audit_event WHERE record_key = 'x' AND request_id IS NULL")
                .map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("INDEX audit_event_record") }, "\(plan)")
    }
}

@Suite("A live record has no pending or completed request")
struct LiveRecordInvariantTests {
    /// Records that are live yet covered by a request that is not rejected: intake skips its
    /// covering lookup for live records, so this must stay empty whatever happened before.
    /// Also any stored 'pending' (only 'deleted' is stored; pending is read from the requests).
    static func violations(_ ledger: Ledger) throws -> [String] {
        try ledger.read { db in
            try String.fetchAll(db, sql: """
                SELECT r.key || ' by ' || d.id || ' ' || d.status FROM record r
                JOIN request_record rr ON rr.record_key = r.key JOIN deletion_request d ON d.id = rr.request_id
                WHERE (\(Ledger.recordStateSQL)) = 'live' AND d.status <> 'rejected'
                UNION ALL SELECT r.key || ' stored pending' FROM record r WHERE r.state = 'pending'
                """)
        }
    }

    /// Every way of reading a record's state agrees with the requests: deleted as published,
    /// pending while a pending request covers it, live otherwise (the oracle, in Swift).
    static func stateMismatches(_ ledger: Ledger, keys: [String]) throws -> [String] {
        let deleted = Set(try ledger.recordKeys(state: .deleted))
        let covered = Set(try ledger.pendingRequests().flatMap { $0.records.map(\.key) })
        var expected: [String: RecordState] = [:]
        for key in keys { expected[key] = deleted.contains(key) ? .deleted : covered.contains(key) ? .pending : .live }
        var mismatches: [String] = []
        for key in keys where try ledger.record(key: key)?.state != expected[key] { mismatches.append("record(key:) \(key)") }
        for shard in 0..<4 {
            for record in try ledger.records(shard: shard) where record.state != expected[record.key] { mismatches.append("records(shard:) \(record.key)") }
        }
        for request in try ledger.pendingRequests() {
            for record in request.records where record.state != expected[record.key] { mismatches.append("request \(request.id) \(record.key)") }
        }
        for state in RecordState.allCases {
            let keys = keys.filter { expected[$0] == state }.sorted()
            if try ledger.recordKeys(state: state) != keys { mismatches.append("recordKeys(\(state))") }
            if try ledger.recordCounts()[state] != keys.count { mismatches.append("recordCounts[\(state)]") }
        }
        return mismatches
    }

    @Test("over random histories of intake, cancellation and publish (100 seeds)")
    func holdsOverRandomHistories() throws {
        for seed in 0..<100 {
            var random = SplitMix64(seed: UInt64(seed))
            let ledger = try Ledger.inMemory()
            try ledger.insertRecords(sampleRecords(count: 12))
            try publishNext(ledger, at: 0)
            var clock = 1.0
            for _ in 0..<12 {
                clock += 1
                switch random.next() % 4 {
                case 0, 1:
                    _ = try ledger.submitGroups(GroupIntakeFastPathTests.randomGroups(&random, records: 12))
                case 2:
                    let pending = try ledger.pendingRequests()
                    if !pending.isEmpty {
                        _ = try ledger.cancelRequest(id: pending[Int(random.next() % UInt64(pending.count))].id, by: "test", at: t(clock))
                    }
                default:
                    let pending = try ledger.pendingRequests().map(\.id).filter { _ in random.next() % 2 == 0 }
                    try publishNext(ledger, completing: pending, at: clock)
                }
                #expect(try Self.violations(ledger) == [], "seed \(seed)")
                #expect(try Self.stateMismatches(ledger, keys: (0..<12).map(recordKey)) == [], "seed \(seed)")
            }
            #expect(try ledger.verifyChain().isIntact)
        }
    }
}
