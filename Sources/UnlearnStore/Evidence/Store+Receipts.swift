import Crypto
import Foundation
import UnlearnData
import UnlearnLedger

extension StoreLayout {
    /// The store's Ed25519 signing key for receipts (owner-only, with a checksum like store.key).
    public var receiptKeyPath: String { path("receipt.key") }
}

extension Store {
    /// Creates the receipt signing key if the store has none (stores made before receipts were signed).
    static func ensureReceiptKey(_ layout: StoreLayout) throws {
        guard !FileManager.default.fileExists(atPath: layout.receiptKeyPath) else { return }
        let key = Curve25519.Signing.PrivateKey()
        try AtomicFile.write(StoreSeal.keyFile(secret: Array(key.rawRepresentation)), to: layout.receiptKeyPath)
    }

    func receiptKey() throws -> Curve25519.Signing.PrivateKey {
        guard FileManager.default.fileExists(atPath: layout.receiptKeyPath) else {
            throw UnlearnError(.noInput, "'\(layout.receiptKeyPath)' is missing",
                               hint: "Restore it from a backup, or run 'unlearn recover --store \(layout.root)' to create a new one (earlier receipts then verify only with the old public key).")
        }
        let raw = try StoreSeal.secret(fromKeyFile: AtomicFile.read(layout.receiptKeyPath), path: layout.receiptKeyPath)
        return try Curve25519.Signing.PrivateKey(rawRepresentation: raw)
    }

    /// The public key that verifies this store's receipts, as `ed25519:<hex>`.
    public func receiptPublicKey() throws -> String {
        SignedReceipt.text(of: try receiptKey().publicKey)
    }

    /// The signed receipt of a completed deletion request.
    ///
    /// - Parameter externalID: the caller's own id for the request, when it gave one.
    /// - Throws: ``UnlearnError`` when the request is unknown or not completed yet.
    public func signedReceipt(request id: Int64, externalID: String? = nil) throws -> String {
        guard let request = try ledger.request(id: id) else {
            throw UnlearnError(.data, "no deletion request \(id) in the store '\(layout.root)'", hint: "List requests with 'unlearn audit'.")
        }
        guard request.status == .completed, let stored = request.receipt else {
            throw UnlearnError(.usage, "deletion request \(id) is \(request.status.rawValue), not completed: there is no receipt yet",
                               hint: "Run 'unlearn retrain --store \(layout.root)' (or wait for the scheduled one).")
        }
        let receipt = try JSONDecoder().decode(Receipt.self, from: Data(stored.utf8))
        guard let head = try ledger.headAfterPublishing(version: receipt.version) else {
            throw UnlearnError(.corrupt, "the audit chain has no publication of version \(receipt.version)",
                               hint: "Run 'unlearn doctor --store \(layout.root)'.")
        }
        return try SignedReceipt.make(receipt, request: request, externalID: externalID, head: head, key: try receiptKey())
    }

    /// The audit chain's newest event, as an anchor to keep outside the store.
    public func auditHead() throws -> (seq: Int64, hash: String)? {
        try ledger.chainHead()
    }

    /// Re-checks the chain and that it still holds `head` (from a receipt or `audit head`): a
    /// rewrite of the chain's tail keeps every link valid but changes that event's hash.
    public func verifyAuditChain(containing head: (seq: Int64, hash: String)) throws -> (ChainReport, containsHead: Bool) {
        let report = try ledger.verifyChain()
        return (report, try ledger.event(seq: head.seq)?.hash == head.hash)
    }
}
