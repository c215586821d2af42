import Foundation
import Testing
import UnlearnCore
import UnlearnLedger
import UnlearnData
import UnlearnStore

struct LocalityTests {
    /// Unaffected shards keep the very same files (path, bytes, mtime); an affected shard keeps
    /// its rows and checkpoints before the first affected slice.
    @Test func onlyAffectedShardsFromTheFirstAffectedSliceAreRewritten() throws {
        let store = try Fixtures.createStore(rows: 300, shards: 4, slices: 5)
        let placements = try Fixtures.placements(store, rows: 300)
        let target = placements.first { $0.shard == 2 && $0.slice == 3 }!
        let before = try store.liveVersion().manifest
        let stamps = try modificationTimes(store, before)
        Thread.sleep(forTimeInterval: 0.02)

        _ = try store.requestDeletion([.record(target.id)], requestedBy: nil, reason: nil)
        let report = try store.retrain(showProgress: false)
        #expect(report.plan?.shards.map(\.shard) == [2])
        #expect(report.plan?.shards.first?.firstSlice == 3)
        let after = try store.liveVersion().manifest
        for shard in [0, 1, 3] {
            #expect(after.shards[shard] == before.shards[shard], "shard \(shard) must be untouched")
        }
        #expect(Array(after.shards[2].checkpoints[..<3]) == Array(before.shards[2].checkpoints[..<3]))
        #expect(Array(after.shards[2].rows[..<3]) == Array(before.shards[2].rows[..<3]))
        #expect(after.shards[2].rows[4] == before.shards[2].rows[4], "slice 4 held no deleted row")
        #expect(after.shards[2].rows[3] != before.shards[2].rows[3])
        #expect(after.shards[2].checkpoints[3] != before.shards[2].checkpoints[3])
        #expect(after.shards[2].checkpoints[4] != before.shards[2].checkpoints[4])
        let later = try modificationTimes(store, after)
        for (path, time) in stamps where after.allPaths.contains(path) {
            #expect(later[path] == time, "\(path) was rewritten")
        }
    }

    func modificationTimes(_ store: Store, _ manifest: Manifest) throws -> [String: Date] {
        var times: [String: Date] = [:]
        for path in manifest.allPaths {
            times[path] = try FileManager.default.attributesOfItem(atPath: store.layout.path(path))[.modificationDate] as? Date
        }
        return times
    }
}

struct PurgeTests {
    /// After retraining, nothing under the store holds the deleted record: not the raw id, not its
    /// key in any raw file, not in any decoded row file; superseded files are gone.
    @Test func noFileUnderTheStoreHoldsTheDeletedRecord() throws {
        let store = try Fixtures.createStore(rows: 200, shards: 2, slices: 3)
        let id = "person-77"
        let key = store.key(ofRecord: id)
        let before = try store.liveVersion().manifest
        _ = try store.requestDeletion([.record(id)], requestedBy: nil, reason: nil)
        let report = try store.retrain(showProgress: false)
        let after = try store.liveVersion().manifest
        let superseded = before.allPaths.subtracting(after.allPaths)
        #expect(!superseded.isEmpty)
        #expect(Set(report.purgedFiles) == superseded)
        for path in superseded { #expect(!FileManager.default.fileExists(atPath: store.layout.path(path))) }

        let everything = try allFiles(under: store.layout.root)
        #expect(everything.contains { $0.hasSuffix("ledger.sqlite") })
        for file in everything {
            let bytes = try AtomicFile.read(file)
            #expect(!contains(bytes, Array(id.utf8)), "\(file) holds the raw id")
            #expect(!contains(bytes, key.bytes), "\(file) holds the record key")
            if file.hasSuffix(".rows.zst") {
                let rows = try RowsFile.decode(bytes, path: file).1
                #expect(!rows.keys.contains(key), "\(file) still lists the record")
            }
        }
        #expect(try store.verify(id: id, replay: true).passed)
    }

    func allFiles(under root: String) throws -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: root)!
        return enumerator.compactMap { $0 as? String }.map { root + "/" + $0 }.filter {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
    }

    func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        haystack.firstRange(of: needle) != nil
    }
}

struct IntakeTests {
    @Test func repeatRequestIsIdempotent() throws {
        let store = try Fixtures.createStore(rows: 60, shards: 2, slices: 2, train: false)
        let first = try store.requestDeletion([.record("person-3")], requestedBy: "a", reason: "r")[0]
        let second = try store.requestDeletion([.record("person-3")], requestedBy: "b", reason: nil)[0]
        #expect(first.created && !second.created)
        #expect(first.request == second.request)
        #expect(try store.status().pendingRequests == 1)
        #expect(first.dueAt.timeIntervalSince(first.receivedAt) == 30 * 86_400)
    }

    @Test func unknownIdRejectsTheWholeBatchAndRecordsNothing() throws {
        let store = try Fixtures.createStore(rows: 60, shards: 2, slices: 2, train: false)
        do {
            _ = try store.requestDeletion([.record("person-1"), .record("nobody-9")], requestedBy: nil, reason: nil)
            Issue.record("an unknown id was accepted")
        } catch let error as UnlearnError {
            #expect(error.description.contains("'nobody-9'"))
            #expect(error.description.contains("entry 2 of 2"))
            #expect(error.category == .data)
        }
        #expect(try store.status().pendingRequests == 0)
    }

    @Test func alreadyDeletedIdPointsToItsCompletedRequest() throws {
        let store = try Fixtures.createStore(rows: 60, shards: 2, slices: 2)
        let receipt = try store.requestDeletion([.record("person-5")], requestedBy: nil, reason: nil)[0]
        _ = try store.retrain(showProgress: false)
        let again = try store.requestDeletion([.record("person-5")], requestedBy: nil, reason: nil)[0]
        #expect(!again.created)
        #expect(again.request == receipt.request)
        #expect(again.status == .completed)
        #expect(try store.retrain(showProgress: false).status == .nothingToDo)
    }

    @Test func subjectRequestCoversAllItsRecords() throws {
        let store = try Fixtures.createStore(rows: 60, shards: 3, slices: 2)
        // household-4 owns person-12, -13 and -14.
        let receipt = try store.requestDeletion([.subject("household-4")], requestedBy: nil, reason: nil)[0]
        #expect(receipt.placements.count == 3)
        _ = try store.retrain(showProgress: false)
        for id in ["person-12", "person-13", "person-14"] {
            #expect(try store.record(id: id)?.state == .deleted)
            #expect(try store.verify(id: id, replay: false).passed)
        }
        #expect(try store.record(id: "person-15")?.state == .live)
        #expect(throws: UnlearnError.self) { try store.requestDeletion([.subject("household-999")], requestedBy: nil, reason: nil) }
    }

    @Test func retrainPolicyDefersAndShardFlagSplitsWork() throws {
        let store = try Fixtures.createStore(rows: 120, shards: 3, slices: 2)
        let placements = try Fixtures.placements(store, rows: 120)
        let a = placements.first { $0.shard == 0 }!, b = placements.first { $0.shard == 2 }!
        _ = try store.requestDeletion([.record(a.id)], requestedBy: nil, reason: nil)
        #expect(try store.retrain(RetrainPolicy(ifPending: 2), showProgress: false).status == .deferred)
        _ = try store.requestDeletion([.record(b.id)], requestedBy: nil, reason: nil)
        let shard2 = try store.retrain(RetrainPolicy(shard: 2), showProgress: false)
        #expect(shard2.plan?.shards.map(\.shard) == [2])
        #expect(try store.status().pendingRequests == 1)
        #expect(try store.retrain(RetrainPolicy(shard: 1), showProgress: false).status == .nothingToDo)
        let shard0 = try store.retrain(RetrainPolicy(shard: 0), showProgress: false)
        #expect(shard0.completedRequests.count == 1)
        #expect(try store.status().pendingRequests == 0)
    }
}

struct AuditTests {
    @Test func timelineShowsTheWholeLifecycleAndTheChainCatchesEdits() throws {
        let store = try Fixtures.createStore(rows: 90, shards: 3, slices: 3)
        let receipt = try store.requestDeletion([.record("person-8")], requestedBy: "dpo", reason: "art. 17")[0]
        _ = try store.retrain(showProgress: false)
        _ = try store.verify(id: "person-8", replay: true)

        let timeline = try #require(try store.audit({ var q = AuditQuery(); q.id = "person-8"; return q }()).first)
        #expect(timeline.request == receipt.request)
        #expect(timeline.status == .completed)
        #expect(timeline.requestedBy == "dpo")
        #expect(timeline.job?.status == .completed)
        #expect(timeline.job?.retrained.count == 1)
        #expect(timeline.version == (try store.liveVersion().version.version))
        #expect(timeline.purged == true)
        #expect(timeline.replacedFiles > 0)
        #expect(timeline.verified != nil)
        #expect(timeline.events.map(\.kind).contains("request.received"))
        #expect(try store.audit({ var q = AuditQuery(); q.id = "person-9"; return q }()).isEmpty)
        #expect(try store.audit({ var q = AuditQuery(); q.status = .pending; return q }()).isEmpty)

        #expect(try store.ledger.verifyChain().firstBrokenSeq == nil)
        let events = try store.ledger.events(requestID: nil, recordKey: nil, shard: nil, since: nil, until: nil, limit: nil)
        let victim = events[events.count / 2]
        try store.ledger._executeForTesting(sql: "UPDATE audit_event SET payload = '{\"forged\":true}' WHERE seq = \(victim.seq)")
        #expect(try store.ledger.verifyChain().firstBrokenSeq == victim.seq)
    }
}

struct ReproducibilityTests {
    /// Same data, same seed, two stores (each with its own secret): the models are the same.
    /// Only the keys in the row files, and so the lineage hashes, differ.
    @Test func twoStoresFromOneFileAndSeedTrainTheSameModels() throws {
        let a = try Fixtures.createStore(rows: 150, shards: 2, slices: 3)
        let b = try Fixtures.createStore(rows: 150, shards: 2, slices: 3)
        let ma = try a.liveVersion().manifest, mb = try b.liveVersion().manifest
        for shard in 0..<2 {
            for slice in 0..<3 {
                let sa = try CheckpointFile.decode(AtomicFile.read(a.layout.path(ma.shards[shard].checkpoints[slice].path)), path: "a").1
                let sb = try CheckpointFile.decode(AtomicFile.read(b.layout.path(mb.shards[shard].checkpoints[slice].path)), path: "b").1
                let same = sa == sb
                #expect(same, "shard \(shard) slice \(slice) differs between the two stores")
            }
            #expect(ma.shards[shard].rows.map(\.payloadSHA256) != mb.shards[shard].rows.map(\.payloadSHA256), "keys are store-specific")
        }
    }
}

struct ExcludePendingTests {
    /// With --exclude-pending, the shards holding records awaiting deletion do not answer.
    @Test func pendingShardsAreLeftOutOfAnswers() throws {
        let store = try Fixtures.createStore(rows: 120, shards: 3, slices: 2)
        let directory = try Fixtures.temporaryDirectory()
        let test = try Fixtures.testCSV(rows: 50, in: directory)
        let all = try store.evaluate(data: test, labels: nil)
        #expect(all.shardAccuracies.count == 3)
        let shard = try store.record(id: "person-9")!.shard
        _ = try store.requestDeletion([.record("person-9")], requestedBy: nil, reason: nil)
        let without = try store.evaluate(data: test, labels: nil, excludingPending: true)
        #expect(without.shardAccuracies.count == 2)
        // The remaining shards are the others, unchanged.
        #expect(without.shardAccuracies == all.shardAccuracies.enumerated().filter { $0.offset != shard }.map(\.element))
        #expect(try store.evaluate(data: test, labels: nil).shardAccuracies.count == 3, "off by default")
        _ = try store.retrain(showProgress: false)
        #expect(try store.evaluate(data: test, labels: nil, excludingPending: true).shardAccuracies.count == 3)
    }
}
