import Foundation
import Testing
import UnlearnData
@testable import UnlearnLedger
@testable import UnlearnStore

/// Signed receipts verify offline, fail on any changed byte or another store's key, and anchor
/// the audit chain so that a rewritten tail is caught.
@Suite(.serialized)
struct ReceiptTests {
    /// A store with one completed deletion; returns it with the request id and the receipt.
    func completedDeletion(shards: Int = 2) throws -> (Store, Int64, String) {
        let store = try Fixtures.createStore(rows: 120, shards: shards, slices: 2)
        let receipt = try store.requestDeletion([.record("person-7")], requestedBy: nil, reason: nil)[0]
        _ = try store.retrain(showProgress: false)
        return (store, receipt.request, try store.signedReceipt(request: receipt.request))
    }

    @Test func aReceiptVerifiesOfflineAndSaysWhatHappened() throws {
        let (store, request, text) = try completedDeletion()
        let key = try SignedReceipt.publicKey(fromText: try store.receiptPublicKey())
        let contents = try SignedReceipt.verify(text, publicKey: key)
        #expect(contents.deletionID == request)
        #expect(contents.version == (try store.liveVersion().version.version))
        #expect(contents.records.count == 1 && contents.records[0].key == store.key(ofRecord: "person-7").short)
        #expect(!text.contains("person-7"), "no raw id in a receipt")
        #expect(!contents.replaced.isEmpty)
        // The anchor is a real event of the chain: the last one the publish wrote.
        let event = try #require(try store.ledger.event(seq: contents.auditHead.seq))
        #expect(event.hash == contents.auditHead.hash)
        #expect(event.kind == .requestCompleted)

        // The same through the CLI, as an auditor would run it.
        let directory = try Fixtures.temporaryDirectory()
        #expect(try CLI.run(["receipt", "--store", store.layout.root, "--request", String(request), "--out", directory + "/r.json"]).status == 0)
        let publicKey = try CLI.run(["receipt", "public-key", "--store", store.layout.root])
        try publicKey.stdout.write(toFile: directory + "/store.pub", atomically: true, encoding: .utf8)
        let verify = try CLI.run(["receipt", "verify", directory + "/r.json", "--public-key", directory + "/store.pub"])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.contains("receipt valid: deletion \(request)"))
        #expect(try CLI.run(["audit", "verify", "--store", store.layout.root, "--head", contents.anchor]).status == 0)
    }

    @Test func anyChangedByteOrAnotherStoresKeyFails() throws {
        let (store, _, text) = try completedDeletion()
        let key = try SignedReceipt.publicKey(fromText: try store.receiptPublicKey())
        var bytes = Array(text.utf8)
        for index in bytes.indices {
            let original = bytes[index]
            bytes[index] = original == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
            #expect(throws: UnlearnError.self, "byte \(index) changed") {
                _ = try SignedReceipt.verify(String(decoding: bytes, as: UTF8.self), publicKey: key)
            }
            bytes[index] = original
        }
        let (other, _, _) = try completedDeletion()
        let otherKey = try SignedReceipt.publicKey(fromText: try other.receiptPublicKey())
        #expect(throws: UnlearnError.self) { _ = try SignedReceipt.verify(text, publicKey: otherKey) }
    }

    @Test func aPendingRequestHasNoReceiptYet() throws {
        let store = try Fixtures.createStore(rows: 60, shards: 2, slices: 2)
        let request = try store.requestDeletion([.record("person-2")], requestedBy: nil, reason: nil)[0].request
        let result = try CLI.run(["receipt", "--store", store.layout.root, "--request", String(request)])
        #expect(result.status == 64)
        #expect(result.stderr.contains("is pending, not completed"))
    }

    /// Rewrites the chain from `seq` on: one edited payload and every hash after it recomputed,
    /// so that the chain alone still verifies.
    static func rewriteTail(_ ledger: Ledger, from seq: Int64) throws {
        try ledger._executeForTesting(sql: "UPDATE audit_event SET payload = '{\"rewritten\":true}' WHERE seq = \(seq)")
        var previous = try #require(try ledger.event(seq: seq - 1)).hash
        for event in try ledger.events().filter({ $0.seq >= seq }) {
            let hash = AuditChain.hash(
                prevHash: previous, seq: event.seq, atSeconds: event.atSeconds, kind: event.kind.rawValue,
                requestID: event.requestID, recordKey: event.recordKey, shard: event.shard, payload: event.payload)
            try ledger._executeForTesting(sql: "UPDATE audit_event SET prev_hash = '\(previous)', hash = '\(hash)' WHERE seq = \(event.seq)")
            previous = hash
        }
    }

    @Test func aRewrittenTailIsCaughtByAnEarlierReceiptsHead() throws {
        let (store, _, text) = try completedDeletion()
        let contents = try SignedReceipt.verify(text, publicKey: SignedReceipt.publicKey(fromText: try store.receiptPublicKey()))
        // Later activity, then a rewrite of the chain from the receipt's head on.
        _ = try store.requestDeletion([.record("person-9")], requestedBy: nil, reason: nil)
        try Self.rewriteTail(store.ledger, from: contents.auditHead.seq)
        #expect(try store.ledger.verifyChain().isIntact, "the rewrite keeps every link valid")
        let result = try CLI.run(["audit", "verify", "--store", store.layout.root, "--head", contents.anchor])
        #expect(result.status == 76)
        #expect(result.stderr.contains("does not hold the head \(contents.auditHead.seq):"))
        // `audit head` printed before the rewrite would have caught it the same way.
        let head = try CLI.run(["audit", "head", "--store", store.layout.root])
        #expect(head.stdout.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }?.contains(":") == true)
    }
}
