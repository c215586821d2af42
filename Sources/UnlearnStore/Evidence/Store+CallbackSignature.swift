import Crypto
import Foundation
import UnlearnData

extension Store {
    /// The `Unlearn-Signature` header of a status callback: `t=<unix seconds>,ed25519=<hex>`,
    /// an Ed25519 signature with the store's receipt key over `"<t>.<body>"`.
    ///
    /// A receiver checks it with the public key `unlearn receipt public-key` prints (the one that
    /// verifies receipts), and refuses a `t` too far from its clock (replays).
    public func callbackSignature(body: String, time: Int) throws -> String {
        "t=\(time),ed25519=" + hex(try receiptKey().signature(for: Data("\(time).\(body)".utf8)))
    }

    /// Checks an `Unlearn-Signature` header against `body` with a public key as
    /// `unlearn receipt public-key` prints it (`ed25519:<hex>`). For receivers written in Swift
    /// and for tests; the rule is in the README.
    public static func verifyCallbackSignature(_ header: String, body: String, publicKey: String) -> Bool {
        var time: String?, hex: String?
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { return false }
            if pair[0] == "t" { time = pair[1] } else if pair[0] == "ed25519" { hex = pair[1] }
        }
        guard let time, let hex, let signature = decodeHex(hex),
              let key = try? SignedReceipt.publicKey(fromText: publicKey) else { return false }
        return key.isValidSignature(signature, for: Data("\(time).\(body)".utf8))
    }
}
