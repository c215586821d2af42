import Crypto
import Foundation
import UnlearnData
import UnlearnLedger

/// A completed deletion's receipt, signed with the store's Ed25519 key so that an auditor can
/// check it offline, without trusting the server that handed it out.
///
/// The file is one JSON object, `{"receipt":{…},"signature":{…}}`. The signature covers the
/// exact bytes of the `receipt` member as they stand in the file (sorted keys, no spaces), so
/// any changed byte fails verification. The receipt carries the audit chain's head right after
/// the publish that completed the request: every receipt a platform keeps is an anchor for
/// `unlearn audit verify --head`.
public enum SignedReceipt {
    /// What a verified receipt says.
    public struct Contents: Sendable, Codable {
        public struct Head: Sendable, Codable {
            public var seq: Int64
            public var hash: String
        }

        public var deletionID: Int64
        public var externalID: String?
        public var version: Int
        public var completedAt: String
        public var auditHead: Head
        public var records: [Receipt.Record]
        public var retrained: [Receipt.Retrained]
        public var replaced: [Receipt.Replaced]
        public var schemaRebuild: Bool?

        enum CodingKeys: String, CodingKey {
            case version, records, retrained, replaced
            case schemaRebuild = "schema_rebuild"
            case deletionID = "deletion_id"
            case externalID = "external_id"
            case completedAt = "completed_at"
            case auditHead = "audit_head"
        }

        /// The head as `SEQ:HASH`, the form `audit verify --head` takes.
        public var anchor: String { "\(auditHead.seq):\(auditHead.hash)" }
    }

    static let prefix = #"{"receipt":"#
    static let separator = #","signature":"#

    /// The signed receipt text of a completed request.
    static func make(
        _ receipt: Receipt, request: DeletionRequest, externalID: String?, head: (seq: Int64, hash: String), key: Curve25519.Signing.PrivateKey
    ) throws -> String {
        var body = JSONWriter()
        var anchor = JSONWriter()
        anchor.add("hash", head.hash)
        anchor.add("seq", head.seq)
        body.add("audit_head", anchor)
        body.add("completed_at", request.completedAt)
        body.add("deletion_id", request.id)
        body.add("external_id", externalID)
        body.add("records", receipt.records.map(\.writer))
        body.add("replaced", receipt.replaced.map(\.writer))
        body.add("retrained", receipt.retrained.map(\.writer))
        if receipt.schemaRebuild == true { body.add("schema_rebuild", true) }
        body.add("version", receipt.version)
        let signed = body.json
        var signature = JSONWriter()
        signature.add("algorithm", "ed25519")
        signature.add("public_key", hex(key.publicKey.rawRepresentation))
        signature.add("value", hex(try key.signature(for: Array(signed.utf8))))
        return prefix + signed + separator + signature.json + "}"
    }

    /// Checks `text` against `publicKey` and returns what it says.
    ///
    /// - Throws: ``UnlearnError`` (`.data`) naming why it does not verify.
    public static func verify(_ text: String, publicKey: Curve25519.Signing.PublicKey) throws -> Contents {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix(prefix), let split = trimmed.range(of: separator, options: .backwards) else {
            throw invalid("it is not a signed receipt ({\"receipt\":…,\"signature\":…})")
        }
        let signed = trimmed[trimmed.index(trimmed.startIndex, offsetBy: prefix.count)..<split.lowerBound]
        struct Signature: Decodable {
            var algorithm: String
            var publicKey: String
            var value: String

            enum CodingKeys: String, CodingKey {
                case algorithm, value
                case publicKey = "public_key"
            }
        }
        let signatureText = trimmed[split.upperBound...].dropLast()
        guard trimmed.hasSuffix("}"),
              let signature = try? JSONDecoder().decode(Signature.self, from: Data(signatureText.utf8)),
              signature.algorithm == "ed25519", let value = decodeHex(signature.value)
        else { throw invalid("its signature member cannot be read") }
        guard signature.publicKey == hex(publicKey.rawRepresentation) else {
            throw invalid("it names another signing key than the one given")
        }
        guard publicKey.isValidSignature(value, for: Array(signed.utf8)) else {
            throw invalid("the signature does not match: the receipt was changed, or another store's key signed it")
        }
        do {
            return try JSONDecoder().decode(Contents.self, from: Data(signed.utf8))
        } catch {
            throw invalid("the signed content is not a receipt (\(error))")
        }
    }

    /// Reads a public key written by `unlearn receipt public-key` (`ed25519:<hex>`).
    public static func publicKey(fromText text: String) throws -> Curve25519.Signing.PublicKey {
        let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard line.hasPrefix("ed25519:"), let raw = decodeHex(line.dropFirst("ed25519:".count)),
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
        else {
            throw UnlearnError(.data, "the public key is not in the form 'ed25519:<64 hex digits>'",
                               hint: "Use the output of 'unlearn receipt public-key --store DIR'.")
        }
        return key
    }

    /// The text form of a public key.
    public static func text(of key: Curve25519.Signing.PublicKey) -> String {
        "ed25519:" + hex(key.rawRepresentation)
    }

    private static func invalid(_ why: String) -> UnlearnError {
        UnlearnError(.data, "the receipt does not verify: \(why)", hint: "Ask for the receipt again; keep the one you have as evidence.")
    }
}
