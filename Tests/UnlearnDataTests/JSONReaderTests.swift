import Foundation
import Testing
import UnlearnCore
import UnlearnData

/// ``JSONReader`` against two oracles: the tree a document was written from (round trip), and
/// Foundation's `JSONDecoder` into ``JSONValue``, which the reader must agree with wherever it
/// answers.
struct JSONReaderTests {
    /// The authority: `JSONDecoder` alone (``JSONValue/init(parsing:)`` asks the reader first).
    static func decoder(_ bytes: [UInt8]) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }

    /// Random trees, written with random whitespace and every way of spelling a string.
    struct Writer {
        var random: SplitMix64

        mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &random) < p }
        mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }

        mutating func number() -> Double {
            switch int(0...5) {
            case 0: return Double(int(-1_000_000...1_000_000))
            case 1: return Double(int(-99_999...99_999)) / 1000
            case 2: return Double(Int64.random(in: -(1 << 62)...(1 << 62), using: &random))
            case 3: return Double.random(in: -1...1, using: &random) * pow(10, Double(int(-300...300)))
            case 4:
                // Any normal double, whatever its bits.
                while true {
                    let x = Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &random))
                    if x.isNormal { return x }
                }
            default: return chance(0.5) ? 0 : -0.0
            }
        }

        mutating func scalar() -> Unicode.Scalar {
            switch int(0...9) {
            case 0: return Unicode.Scalar(UInt8(int(0...0x1F)))
            case 1: return ["\"", "\\", "/", "\u{7F}"].randomElement(using: &random)!
            case 2: return Unicode.Scalar(UInt32(int(0x80...0xD7FF)))!
            case 3: return Unicode.Scalar(UInt32(int(0xE000...0xFFFF)))!
            case 4: return Unicode.Scalar(UInt32(int(0x10000...0x10FFFF)))!
            default: return Unicode.Scalar(UInt8(int(0x20...0x7E)))
            }
        }

        mutating func text() -> String {
            var s = String.UnicodeScalarView()
            for _ in 0..<int(0...12) { s.append(scalar()) }
            return String(s)
        }

        mutating func value(depth: Int = 0) -> JSONValue {
            switch int(depth < 4 ? 0...7 : 2...7) {
            case 0:
                var fields: [String: JSONValue] = [:]
                for _ in 0..<int(0...5) { fields[text()] = value(depth: depth + 1) }
                return .object(fields)
            case 1: return .array((0..<int(0...5)).map { _ in value(depth: depth + 1) })
            case 2, 3: return .number(number())
            case 4: return .bool(chance(0.5))
            case 5: return .null
            default: return .string(text())
            }
        }

        mutating func space() -> String {
            chance(0.7) ? "" : String((0..<int(1...3)).map { _ in [" ", "\t", "\n", "\r"].randomElement(using: &random)! })
        }

        mutating func write(_ s: String) -> String {
            var out = "\""
            for u in s.unicodeScalars {
                let must = u == "\"" || u == "\\" || u.value < 0x20
                if !must && chance(0.8) { out.unicodeScalars.append(u); continue }
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "/" where chance(0.5): out += "\\/"
                case "\n" where chance(0.5): out += "\\n"
                case "\t" where chance(0.5): out += "\\t"
                default:
                    for unit in String(u).utf16 {
                        let hex = String(unit, radix: 16, uppercase: chance(0.5))
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    }
                }
            }
            return out + "\""
        }

        mutating func write(_ value: JSONValue) -> String {
            let body: String
            switch value {
            case .null: body = "null"
            case .bool(let b): body = b ? "true" : "false"
            case .number(let x):
                // Swift's shortest spelling ("1e-05", "1.0"), or an integer without a fraction.
                body = x == x.rounded() && abs(x) < 1e15 && chance(0.5) ? (x.sign == .minus ? "-" : "") + String(Int(abs(x))) : "\(x)"
            case .string(let s): body = write(s)
            case .array(let items): body = "[" + items.map { write($0) }.joined(separator: ",") + space() + "]"
            case .object(let fields):
                body = "{" + fields.map { space() + write($0.key) + space() + ":" + write($0.value) }.joined(separator: ",") + space() + "}"
            }
            return space() + body + space()
        }
    }

    @Test func readsBackTheTreeItWasWrittenFromAsJSONDecoderDoes() {
        var writer = Writer(random: SplitMix64(seed: 20261207))
        for n in 0..<3000 {
            let tree = writer.value()
            let bytes = Array(writer.write(tree).utf8)
            #expect(JSONReader.parse(Data(bytes)) == tree, "document \(n): \(String(decoding: bytes, as: UTF8.self))")
            #expect(Self.decoder(bytes) == tree, "document \(n)")
        }
    }

    /// Mutated documents: wherever the reader answers, JSONDecoder gives the same value; and it
    /// declines no document JSONDecoder reads, but for the cases it leaves to it on purpose.
    @Test func agreesWithJSONDecoderOnMutatedDocuments() {
        var writer = Writer(random: SplitMix64(seed: 7))
        let alphabet = Array("{}[]\",:\\ 0123456789-+.eEtrunfalsu\u{e9}".utf8) + [0x00, 0x0A, 0xFF, 0xC3]
        var answered = 0, declined = 0, refused = 0
        for n in 0..<4000 {
            var bytes = Array(writer.write(writer.value()).utf8)
            for _ in 0..<writer.int(1...3) where !bytes.isEmpty {
                let at = writer.int(0...(bytes.count - 1))
                switch writer.int(0...3) {
                case 0: bytes.remove(at: at)
                case 1: bytes.insert(alphabet.randomElement(using: &writer.random)!, at: at)
                case 2: bytes[at] = alphabet.randomElement(using: &writer.random)!
                default: bytes.removeLast(bytes.count - at)
                }
            }
            let expected = Self.decoder(bytes)
            if let value = JSONReader.parse(Data(bytes)) {
                answered += 1
                #expect(value == expected, "document \(n): \(bytes)")
            } else if expected != nil {
                declined += 1
            } else {
                refused += 1
            }
        }
        // Both outcomes occur often; declining a document JSONDecoder reads is rare (duplicate
        // keys, which a mutation can make).
        #expect(answered > 400 && refused > 1500, "\(answered) answered, \(refused) refused, \(declined) declined")
        #expect(declined < answered / 50, "\(declined) declined of \(answered + declined) valid")
    }

    /// What the reader leaves to JSONDecoder, and what neither reads.
    @Test(arguments: [
        "\u{FEFF}{\"a\":1}", #"{"a":1,"a":2}"#, "[1,]", "{\"a\":1,}", "[0e9]", "[-0E1]", "[1e400]", "[-1e400]", "[5e-325]", "[1e-310]", "[4.9e-324]",
        String(repeating: "[", count: 70) + String(repeating: "]", count: 70),
    ]) func leavesTheEdgesToJSONDecoder(text: String) throws {
        let bytes = Array(text.utf8)
        #expect(JSONReader.parse(Data(bytes)) == nil)
        #expect((try? JSONValue(parsing: Data(bytes))) == Self.decoder(bytes))
    }

    @Test(arguments: [
        "", " ", "{", "[,]", "[01]", "[1.]", "[.5]", "[1e]", "[-]", "[+1]", "[tru]", "[nul]",
        "\"\t\"", "[\"\\x\"]", #"["\ud800"]"#, #"["\udc00"]"#, #"["\u12"]"#, "{\"a\" 1}", "{1:2}", "[1]x", "[1] [2]", "'a'",
    ]) func refusesWhatIsNotJSON(text: String) {
        #expect(JSONReader.parse(Data(text.utf8)) == nil)
        #expect(Self.decoder(Array(text.utf8)) == nil)
    }

    @Test func invalidUTF8IsRefused() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0x5C, 0x6E, 0xC0, 0xAF, 0x22]] {
            #expect(JSONReader.parse(Data(bytes)) == nil, "\(bytes)")
            #expect(Self.decoder(bytes) == nil, "\(bytes)")
        }
    }
}
