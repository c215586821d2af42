import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes one JSON object, keys in the order given: the one writer of every JSON text the
/// ledger stores (audit payloads, receipts, job plans, manifests).
///
/// Ledger JSON is hashed as text, so it is written by this code alone rather than by
/// `JSONEncoder`, whose output may change between Foundation versions; it also costs a few
/// hundred nanoseconds instead of tens of microseconds per intake. Callers add keys in sorted
/// order, so the text equals what a sorted-keys encoder would write. Read it back with
/// `JSONDecoder`.
public struct JSONWriter: Sendable {
    private var text = "{"
    private var empty = true

    public init() {
        // One allocation for a typical payload instead of a doubling for each of its first appends.
        text.reserveCapacity(256)
    }

    /// The finished object.
    public var json: String { text + "}" }

    public mutating func add(_ key: String, _ value: String?) {
        self.key(key)
        if let value { Self.appendString(value, to: &text) } else { text += "null" }
    }

    public mutating func add(_ key: String, _ value: Int?) {
        self.key(key)
        text += value.map { String($0) } ?? "null"
    }

    public mutating func add(_ key: String, _ value: Int64?) {
        self.key(key)
        text += value.map { String($0) } ?? "null"
    }

    /// A number; NaN and infinities, which JSON cannot hold, become null.
    public mutating func add(_ key: String, _ value: Double?) {
        self.key(key)
        text += value.flatMap { $0.isFinite ? String($0) : nil } ?? "null"
    }

    public mutating func add(_ key: String, _ value: Bool) {
        self.key(key)
        text += value ? "true" : "false"
    }

    /// A date as ISO 8601 UTC, with milliseconds only when it has them.
    public mutating func add(_ key: String, _ value: Date?) {
        add(key, value.map(Self.iso8601))
    }

    public mutating func add(_ key: String, _ values: [Int]) {
        add(key, rawArray: values.map { String($0) })
    }

    public mutating func add(_ key: String, _ values: [Int64]) {
        add(key, rawArray: values.map { String($0) })
    }

    public mutating func add(_ key: String, _ values: [String]) {
        add(key, rawArray: values.map { value in
            var literal = ""
            Self.appendString(value, to: &literal)
            return literal
        })
    }

    /// Rows of numbers, as `[[...],[...]]` (prediction scores).
    public mutating func add(_ key: String, _ rows: [[Float]]) {
        add(key, rawArray: rows.map { row in "[" + row.map(Self.number).joined(separator: ",") + "]" })
    }

    /// A float as `JSONEncoder` writes it: its shortest round-trip form, without a trailing `.0`;
    /// NaN and infinities, which JSON cannot hold, become null.
    public static func number(_ value: Float) -> String {
        guard value.isFinite else { return "null" }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    /// A JSON array of strings, on its own (not a member of an object).
    public static func array(_ values: [String]) -> String {
        var text = "["
        for (index, value) in values.enumerated() {
            if index > 0 { text += "," }
            appendString(value, to: &text)
        }
        return text + "]"
    }

    /// A nested object.
    public mutating func add(_ key: String, _ object: JSONWriter) {
        add(key, rawArray: [object.json], bracketed: false)
    }

    /// An array of objects.
    public mutating func add(_ key: String, _ objects: [JSONWriter]) {
        add(key, rawArray: objects.map(\.json))
    }

    /// An array of values that are already JSON.
    mutating func add(_ key: String, rawArray elements: [String], bracketed: Bool = true) {
        self.key(key)
        if bracketed { text += "[" }
        for (index, element) in elements.enumerated() {
            if bracketed && index > 0 { text += "," }
            text += element
        }
        if bracketed { text += "]" }
    }

    private mutating func key(_ key: String) {
        if !empty { text += "," }
        empty = false
        Self.appendString(key, to: &text)
        text += ":"
    }

    /// Appends `value` as a JSON string literal (RFC 8259 escapes).
    static func appendString(_ value: String, to text: inout String) {
        text += "\""
        // Keys, hashes and most free text need no escape: append them whole, not scalar by scalar.
        if !value.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            text += value
            text += "\""
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }

    /// `2025-01-01T00:00:00Z`, or `2025-01-01T00:00:00.250Z` with a fractional second.
    public static func iso8601(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        let whole = seconds.rounded(.down)
        let millis = Int(((seconds - whole) * 1000).rounded())
        var time = time_t(whole)
        var parts = tm()
        gmtime_r(&time, &parts)
        // Written as bytes: intake writes four dates a request, and interpolation cost a string each field.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        func pad(_ value: Int32, _ width: Int, then separator: UInt8?) {
            let zero = UInt8(ascii: "0")
            if value >= 0, value < 10_000 {
                var divisor: Int32 = 1, digits = 1
                while divisor * 10 <= value { divisor *= 10; digits += 1 }
                if digits < width { bytes.append(contentsOf: repeatElement(zero, count: width - digits)) }
                while divisor > 0 { bytes.append(zero + UInt8(value / divisor % 10)); divisor /= 10 }
            } else {
                let digits = String(value)
                bytes.append(contentsOf: repeatElement(zero, count: max(0, width - digits.utf8.count)))
                bytes.append(contentsOf: digits.utf8)
            }
            if let separator { bytes.append(separator) }
        }
        pad(parts.tm_year + 1900, 4, then: UInt8(ascii: "-"))
        pad(parts.tm_mon + 1, 2, then: UInt8(ascii: "-"))
        pad(parts.tm_mday, 2, then: UInt8(ascii: "T"))
        pad(parts.tm_hour, 2, then: UInt8(ascii: ":"))
        pad(parts.tm_min, 2, then: UInt8(ascii: ":"))
        pad(parts.tm_sec, 2, then: nil)
        if millis > 0 && millis < 1000 {
            bytes.append(UInt8(ascii: "."))
            pad(Int32(millis), 3, then: nil)
        }
        bytes.append(UInt8(ascii: "Z"))
        return String(decoding: bytes, as: UTF8.self)
    }
}
