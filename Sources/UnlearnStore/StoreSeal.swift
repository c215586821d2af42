import Crypto
import Foundation
import UnlearnData

/// Integrity of the two files every command trusts before anything else.
///
/// - `store.key` is the 32-byte secret followed by its SHA-256: a flipped bit there would make
///   every id map to a key the ledger does not know, so `delete` would refuse valid ids.
/// - `store.json` carries, as its last member, an HMAC-SHA256 of the rest of its text under a
///   key derived from the secret (HKDF): a bit flip that keeps the JSON valid (a mean moved
///   from 38.873 to 39.873) would otherwise change every prediction without a word.
///
/// Damage to either is exit 76 naming the file; the fix is a restore from a backup.
enum StoreSeal {
    static let secretBytes = 32

    // MARK: store.key

    /// The bytes of `store.key`: the secret, then its SHA-256.
    static func keyFile(secret: [UInt8]) -> [UInt8] {
        secret + Array(SHA256.hash(data: secret))
    }

    /// The secret from `store.key`'s bytes, after checking its checksum.
    static func secret(fromKeyFile bytes: [UInt8], path: String) throws -> [UInt8] {
        guard bytes.count == 2 * secretBytes else {
            throw damaged(path, "expected \(2 * secretBytes) bytes (secret and checksum), found \(bytes.count)")
        }
        let secret = Array(bytes[..<secretBytes])
        guard Array(SHA256.hash(data: secret)) == Array(bytes[secretBytes...]) else {
            throw damaged(path, "its checksum does not match: the key has been altered")
        }
        return secret
    }

    // MARK: store.json

    private static let marker = ",\n  \"seal\" : \"hmac-sha256:"

    /// `body` (a pretty-printed JSON object ending in "\n}") with its seal as the last member.
    static func sealed(_ body: String, secret: [UInt8]) -> String {
        precondition(body.hasSuffix("\n}"), "store.json is written pretty-printed")
        let mac = HMAC<SHA256>.authenticationCode(for: Array(body.utf8), using: configKey(secret))
        return String(body.dropLast(2)) + marker + hex(mac) + "\"\n}\n"
    }

    /// Checks the seal of `store.json`'s text; returns the text to decode.
    static func verify(_ text: String, secret: [UInt8], path: String) throws -> String {
        guard let range = text.range(of: marker, options: .backwards) else {
            throw damaged(path, "it has no seal")
        }
        let tail = text[range.upperBound...]
        guard let quote = tail.firstIndex(of: "\""), tail[quote...] == "\"\n}\n" else {
            throw damaged(path, "its seal is not the last member")
        }
        let body = text[..<range.lowerBound] + "\n}"
        guard let mac = decodeHex(tail[..<quote]),
              HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Array(body.utf8), using: configKey(secret))
        else {
            throw damaged(path, "its seal does not match its content: the configuration has been altered")
        }
        return text
    }

    private static func configKey(_ secret: [UInt8]) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: secret), info: Array("unlearn store.json seal v1".utf8), outputByteCount: 32)
    }

    private static func damaged(_ path: String, _ why: String) -> UnlearnError {
        UnlearnError(.corrupt, "'\(path)' is damaged: \(why)",
                     hint: "Restore it from a backup of the store; nothing in the store can rebuild it.")
    }
}

/// The bytes of an even-length hex string, or nil.
func decodeHex<S: StringProtocol>(_ text: S) -> [UInt8]? {
    let characters = Array(text.utf8)
    guard characters.count % 2 == 0 else { return nil }
    var out: [UInt8] = []
    out.reserveCapacity(characters.count / 2)
    for index in stride(from: 0, to: characters.count, by: 2) {
        guard let byte = UInt8(String(decoding: characters[index..<(index + 2)], as: UTF8.self), radix: 16) else { return nil }
        out.append(byte)
    }
    return out
}
