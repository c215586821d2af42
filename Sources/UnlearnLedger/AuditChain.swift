import Crypto
import Foundation
import GRDB

/// The head of the audit hash chain inside one write transaction, and the hash rule.
///
/// hash = hex(SHA256(prev_hash ⏎ seq ⏎ at ⏎ kind ⏎ request_id ⏎ record_key ⏎ shard ⏎ payload)),
/// joined by "\n", where `at` is the stored Double's bit pattern as 16 lowercase hex digits
/// and a NULL is the empty string. The first event's prev_hash is 64 zeros.
struct AuditChain {
    static let genesis = String(repeating: "0", count: 64)

    private var nextSeq: Int64
    private var lastHash: String

    /// Reads the chain head. Call only inside a write transaction, which keeps it current.
    static func head(_ db: Database) throws -> AuditChain {
        let last = try db.row("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1")
        // sqlite_sequence remembers seqs of deleted tail rows: never reuse them, so that
        // a truncated tail shows up as a gap.
        let used = try db.value(Int64.self, "SELECT seq FROM sqlite_sequence WHERE name = 'audit_event'") ?? 0
        let lastSeq: Int64 = last?["seq"] ?? 0
        return AuditChain(nextSeq: max(lastSeq, used) + 1, lastHash: last?["hash"] ?? genesis)
    }

    /// Appends one event after the head and moves the head to it.
    @discardableResult
    mutating func append(
        _ db: Database, kind: AuditEventKind, requestID: Int64? = nil, recordKey: String? = nil,
        shard: Int? = nil, payload: String, at: Date = Date()
    ) throws -> AuditEvent {
        let atSeconds = at.timeIntervalSince1970
        let hash = Self.hash(
            prevHash: lastHash, seq: nextSeq, atSeconds: atSeconds, kind: kind.rawValue,
            requestID: requestID, recordKey: recordKey, shard: shard, payload: payload)
        try db.execute(direct: """
            INSERT INTO audit_event (seq, at, kind, request_id, record_key, shard, payload, prev_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [
                .integer(nextSeq), .real(atSeconds), .text(kind.rawValue), .int(requestID), .text(recordKey), .int(shard),
                .text(payload), .text(lastHash), .text(hash),
            ])
        let event = AuditEvent(
            seq: nextSeq, atSeconds: atSeconds, kind: kind, requestID: requestID,
            recordKey: recordKey, shard: shard, payload: payload, prevHash: lastHash, hash: hash)
        nextSeq += 1
        lastHash = hash
        return event
    }

    /// The hash of one event given its predecessor's hash.
    static func hash(
        prevHash: String, seq: Int64, atSeconds: Double, kind: String, requestID: Int64?,
        recordKey: String?, shard: Int?, payload: String
    ) -> String {
        let fields = [
            prevHash, String(seq), hex16(atSeconds.bitPattern), kind,
            requestID.map { String($0) } ?? "", recordKey ?? "", shard.map { String($0) } ?? "",
            payload,
        ]
        return hex(SHA256.hash(data: Array(fields.joined(separator: "\n").utf8)))
    }

    private static func hex16(_ bits: UInt64) -> String {
        let digits = String(bits, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// Lowercase hex of a byte sequence.
func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(64)
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
}

extension Ledger {
    /// Lowercase hex SHA-256 of a string's UTF-8 bytes (for manifests and plans).
    public static func sha256Hex(_ text: String) -> String {
        hex(SHA256.hash(data: Array(text.utf8)))
    }
}
