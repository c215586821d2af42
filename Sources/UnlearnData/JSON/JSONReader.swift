import Foundation

/// A strict one-pass reader of JSON (RFC 8259) into ``JSONValue``, for request bodies.
///
/// Foundation's `JSONDecoder` into ``JSONValue`` tries each scalar type in turn, and every failed
/// attempt builds a `DecodingError`: it was two fifths of a one-row predict's CPU. This reader
/// walks the bytes once. It answers only where its answer is certainly `JSONDecoder`'s, and
/// returns nil for everything else, which the caller hands to `JSONDecoder`: text that is not
/// JSON, and the rare cases where the two could differ (a byte-order mark, a duplicate key, a
/// trailing comma, which `JSONDecoder` accepts, `0e9`, which it refuses, a number that is
/// subnormal or out of `Double`'s range, nesting deeper than ``maxDepth``). So a nil is never a
/// verdict, and a value is always `JSONDecoder`'s value.
public enum JSONReader {
    /// Deeper documents go to `JSONDecoder` (whose own limit is 512), keeping this reader's
    /// recursion shallow.
    public static let maxDepth = 64

    public static func parse(_ data: Data) -> JSONValue? {
        data.withUnsafeBytes { parse($0) }
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer) -> JSONValue? {
        var cursor = Cursor(bytes: bytes)
        guard let value = cursor.value(depth: 0) else { return nil }
        cursor.skipSpace()
        return cursor.index == bytes.count ? value : nil
    }
}

private struct Cursor {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var atEnd: Bool { index >= bytes.count }
    var byte: UInt8 { bytes[index] }

    mutating func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// Consumes `byte` after optional whitespace.
    mutating func take(_ expected: UInt8) -> Bool {
        skipSpace()
        guard !atEnd, byte == expected else { return false }
        index += 1
        return true
    }

    mutating func value(depth: Int) -> JSONValue? {
        skipSpace()
        guard !atEnd else { return nil }
        switch byte {
        case UInt8(ascii: "{"): return object(depth: depth)
        case UInt8(ascii: "["): return array(depth: depth)
        case UInt8(ascii: "\""): return string().map(JSONValue.string)
        case UInt8(ascii: "t"): return literal("true", .bool(true))
        case UInt8(ascii: "f"): return literal("false", .bool(false))
        case UInt8(ascii: "n"): return literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number().map(JSONValue.number)
        default: return nil
        }
    }

    mutating func literal(_ word: StaticString, _ value: JSONValue) -> JSONValue? {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { return nil }
        for k in 0..<count where bytes[index + k] != word.utf8Start[k] { return nil }
        index += count
        return value
    }

    mutating func object(depth: Int) -> JSONValue? {
        guard depth < JSONReader.maxDepth else { return nil }
        index += 1
        var fields: [String: JSONValue] = [:]
        if take(UInt8(ascii: "}")) { return .object(fields) }
        repeat {
            skipSpace()
            guard !atEnd, byte == UInt8(ascii: "\""), let key = string(), take(UInt8(ascii: ":")),
                  let value = value(depth: depth + 1) else { return nil }
            // JSONDecoder keeps one of the two; which one is its business.
            guard fields.updateValue(value, forKey: key) == nil else { return nil }
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "}")) ? .object(fields) : nil
    }

    mutating func array(depth: Int) -> JSONValue? {
        guard depth < JSONReader.maxDepth else { return nil }
        index += 1
        var items: [JSONValue] = []
        if take(UInt8(ascii: "]")) { return .array(items) }
        repeat {
            guard let item = value(depth: depth + 1) else { return nil }
            items.append(item)
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "]")) ? .array(items) : nil
    }

    /// A string at its opening quote. Unescaped text is taken as it is (validated as UTF-8);
    /// the first backslash switches to copying.
    mutating func string() -> String? {
        index += 1
        let start = index
        var ascii = true
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                let text = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
                index += 1
                return ascii ? String(decoding: text, as: UTF8.self) : String(validating: text, as: UTF8.self)
            }
            if b == UInt8(ascii: "\\") { return escaped(from: start) }
            if b < 0x20 { return nil }
            if b >= 0x80 { ascii = false }
            index += 1
        }
        return nil
    }

    mutating func escaped(from start: Int) -> String? {
        var out = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let b = bytes[index]
            index += 1
            switch b {
            case UInt8(ascii: "\""): return String(validating: out, as: UTF8.self)
            case 0..<0x20: return nil
            case UInt8(ascii: "\\"):
                guard !atEnd else { return nil }
                let e = byte
                index += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard let scalar = unicodeEscape() else { return nil }
                    out.append(contentsOf: UTF8.encode(scalar)!)
                default: return nil
                }
            default: out.append(b)
            }
        }
        return nil
    }

    /// After `\u`: four hex digits, and for a high surrogate the `\uXXXX` of its low half.
    mutating func unicodeEscape() -> Unicode.Scalar? {
        guard let unit = hex4() else { return nil }
        switch unit {
        case 0xD800...0xDBFF:
            guard bytes.count - index >= 2, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else { return nil }
            index += 2
            guard let low = hex4(), (0xDC00...0xDFFF).contains(low) else { return nil }
            return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
        case 0xDC00...0xDFFF: return nil
        default: return Unicode.Scalar(unit)
        }
    }

    mutating func hex4() -> UInt32? {
        guard bytes.count - index >= 4 else { return nil }
        var unit: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[index]
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: return nil
            }
            unit = unit << 4 | UInt32(digit)
            index += 1
        }
        return unit
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`. Up to 15 integer digits are exact in a
    /// `Double`; anything else is read by the standard library's correctly rounded conversion.
    mutating func number() -> Double? {
        let start = index
        let negative = byte == UInt8(ascii: "-")
        if negative { index += 1 }
        var whole = 0, digits = 0, nonzero = false
        guard !atEnd else { return nil }
        if byte == UInt8(ascii: "0") {
            index += 1
            if !atEnd, isDigit(byte) { return nil }  // a leading zero
            // JSONDecoder refuses `0e9` and `0E1` (yet reads `0e+1`): found by the fuzzer.
            if !atEnd, byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") { return nil }
        } else {
            while !atEnd, isDigit(byte) {
                if digits < 18 { whole = whole * 10 + Int(byte - UInt8(ascii: "0")) }
                nonzero = nonzero || byte != UInt8(ascii: "0")
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
        }
        var plain = true
        if !atEnd, byte == UInt8(ascii: ".") {
            plain = false
            index += 1
            guard let fraction = skipDigits() else { return nil }
            nonzero = nonzero || fraction
        }
        if !atEnd, byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            plain = false
            index += 1
            if !atEnd, byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") { index += 1 }
            guard skipDigits() != nil else { return nil }
        }
        if plain, digits <= 15 {
            let x = Double(whole)
            return negative ? -x : x
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        // Out of range, or rounded to zero or a subnormal: JSONDecoder refuses some of these.
        guard let x = Double(text), x.isFinite, !x.isSubnormal, x != 0 || !nonzero else { return nil }
        return x
    }

    /// One or more digits. - Returns: whether any was not zero; nil when there was none.
    mutating func skipDigits() -> Bool? {
        let start = index
        var nonzero = false
        while !atEnd, isDigit(byte) {
            nonzero = nonzero || byte != UInt8(ascii: "0")
            index += 1
        }
        return index > start ? nonzero : nil
    }

    func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
}
