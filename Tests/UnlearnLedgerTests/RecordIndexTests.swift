import Foundation
import Testing
import UnlearnLedger

@Suite("Record index")
struct RecordIndexTests {
    @Test("inserted records can be looked up by key and by subject")
    func insertAndLookup() throws {
        try withFileLedger { ledger, _ in
            let records = sampleRecords(count: 30, shards: 4, slices: 3, perSubject: 3)
            try ledger.insertRecords(records)

            #expect(try ledger.record(key: recordKey(7)) == records[7])
            #expect(try ledger.record(key: recordKey(7))?.shard == 3)
            #expect(try ledger.record(key: recordKey(7))?.slice == 1)
            #expect(try ledger.record(key: recordKey(999)) == nil)

            let subject = try ledger.records(subjectKey: subjectKey(2))
            #expect(Set(subject.map(\.key)) == Set([6, 7, 8].map(recordKey)))
            #expect(try ledger.records(subjectKey: subjectKey(99)).isEmpty)

            #expect(try ledger.records(shard: 1).count == records.filter { $0.shard == 1 }.count)
            #expect(try ledger.recordCounts() == [.live: 30, .pending: 0, .deleted: 0])
        }
    }

    @Test("records without a subject are stored with a nil subject")
    func nilSubject() throws {
        let ledger = try Ledger.inMemory()
        try ledger.insertRecords([RecordEntry(key: recordKey(1), subjectKey: nil, shard: 0, slice: 2)])
        let stored = try #require(try ledger.record(key: recordKey(1)))
        #expect(stored.subjectKey == nil)
        #expect(stored.state == .live)
        #expect(stored.deletedVersion == nil)
    }

    @Test("a duplicate key is rejected and nothing of the batch is inserted", arguments: [false, true])
    func duplicateRejected(alreadyIndexed: Bool) throws {
        try withFileLedger { ledger, _ in
            if alreadyIndexed {
                try ledger.insertRecords(sampleRecords(count: 2))
            }
            var batch = (10..<20).map { RecordEntry(key: recordKey($0), subjectKey: nil, shard: 0, slice: 0) }
            // Repeats a key of this batch, or one already in the ledger.
            batch.append(RecordEntry(key: recordKey(alreadyIndexed ? 1 : 12), subjectKey: nil, shard: 1, slice: 1))
            let expectedKey = recordKey(alreadyIndexed ? 1 : 12)
            #expect(throws: LedgerError.duplicateRecordKey(key: expectedKey)) {
                try ledger.insertRecords(batch)
            }
            #expect(try ledger.record(key: recordKey(10)) == nil)
            #expect(try ledger.recordCounts()[.live] == (alreadyIndexed ? 2 : 0))
        }
    }

    @Test("a bulk import into an empty index rebuilds its secondary indexes; a duplicate rolls it all back")
    func bulkPath() throws {
        try withFileLedger { ledger, _ in
            let indexSQL = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'record' ORDER BY name"
            let indexes = try ledger._stringsForTesting(sql: indexSQL)
            #expect(indexes.contains("record_subject"))
            #expect(indexes.contains("record_shard_slice"))

            var records = sampleRecords(count: 12_000, shards: 8, slices: 4, perSubject: 4)
            records.append(records[5_000])
            #expect(throws: LedgerError.duplicateRecordKey(key: records[5_000].key)) {
                try ledger.insertRecords(records)
            }
            #expect(try ledger._stringsForTesting(sql: indexSQL) == indexes)
            #expect(try ledger.recordCounts()[.live] == 0)

            records.removeLast()
            try ledger.insertRecords(records)
            #expect(try ledger._stringsForTesting(sql: indexSQL) == indexes)
            #expect(try ledger.recordCounts()[.live] == 12_000)
            #expect(try ledger.records(subjectKey: subjectKey(2_999)).count == 4)
            #expect(try ledger.records(shard: 7).count == 1_500)
            // A second bulk batch goes into a non-empty index on the ordinary path.
            try ledger.insertRecords((20_000..<30_000).map {
                RecordEntry(key: recordKey($0), subjectKey: nil, shard: 0, slice: 0)
            })
            #expect(try ledger.recordCounts()[.live] == 22_000)
            #expect(try ledger.verifyChain() == ChainReport(eventsChecked: 2))
        }
    }

    @Test("error messages show only a short prefix of a key")
    func messagesShortenKeys() {
        let full = recordKey(3)
        let message = LedgerError.duplicateRecordKey(key: full).description
        #expect(!message.contains(full))
        #expect(message.contains(String(full.prefix(8))))
        #expect(!LedgerError.unknownSubject(key: subjectKey(3)).description.contains(subjectKey(3)))
    }
}
