import Crypto
import Foundation

/// A record's or subject's keyed hash: the first 128 bits of HMAC-SHA256(store secret, id).
///
/// Raw ids are never written to the store or the ledger; files hold only keys. Deleting a record
/// therefore leaves no copy of its id behind, and a stolen store does not list who is in it.
/// Ordering is by the big-endian bytes, which equals the order of ``hex``.
public struct RecordKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public init?(hex text: String) {
        guard text.utf8.count == 32, let high = UInt64(text.prefix(16), radix: 16), let low = UInt64(text.suffix(16), radix: 16) else {
            return nil
        }
        self.init(high: high, low: low)
    }

    init(bytes: some Collection<UInt8>) {
        var high: UInt64 = 0, low: UInt64 = 0
        for (i, byte) in bytes.prefix(16).enumerated() {
            if i < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.init(high: high, low: low)
    }

    public var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) } + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
    }

    public var hex: String { UnlearnData.hex(bytes) }
    /// A short prefix for logs and tables (64 bits: unique in practice, not reversible).
    public var short: String { String(hex.prefix(12)) }
    public var description: String { hex }

    public static func < (a: RecordKey, b: RecordKey) -> Bool { (a.high, a.low) < (b.high, b.low) }
}

/// Derives record and subject keys with the store's secret.
public struct Keyer: Sendable {
    /// HMAC with the secret already absorbed: each key copies it instead of hashing the padded
    /// secret twice over again. Never written, only copied; a copy is copy-on-write (its first
    /// update clones the shared BoringSSL context), so sharing it across threads is safe,
    /// although `HMAC` does not declare `Sendable`.
    nonisolated(unsafe) private let keyed: HMAC<SHA256>

    public init(secret: [UInt8]) { keyed = HMAC<SHA256>(key: SymmetricKey(data: secret)) }

    public static func newSecret() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    public func record(_ id: String) -> RecordKey { key("record\u{0}" + id) }
    public func subject(_ id: String) -> RecordKey { key("subject\u{0}" + id) }

    /// A categorical value's (or label's) keyed hash, as row files keep it: 64 bits, never 0
    /// (0 marks a missing value). Keyed per column, so equal texts in two columns differ.
    public func value(column: Int, _ text: String) -> UInt64 {
        let key = key("value\u{0}\(column)\u{0}" + text)
        return key.high == 0 ? 1 : key.high
    }

    private func key(_ text: String) -> RecordKey {
        var mac = keyed
        var text = text
        text.withUTF8 { mac.update(data: UnsafeRawBufferPointer($0)) }
        return mac.finalize().withUnsafeBytes { RecordKey(bytes: $0) }
    }
}
