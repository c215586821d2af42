import Foundation
import Testing
import UnlearnCore
@testable import UnlearnLedger

/// Ledger JSON is hashed as text, so every stored chain verifies only while `JSONWriter` writes
/// the same bytes for the same values. These tests pin those bytes.
struct JSONWriterTests {
    @Test func writesKeysInOrderWithEscapes() {
        var writer = JSONWriter()
        writer.add("a", "plain")
        writer.add("b", "q\"b\\s/ \n\r\t \u{01}\u{1f} é ☃")
        writer.add("c", nil as String?)
        writer.add("d", 42)
        writer.add("e", Int64(-7))
        writer.add("f", 1.5)
        writer.add("g", Double.nan)
        writer.add("h", true)
        writer.add("i", Date(timeIntervalSince1970: 0))
        writer.add("j", Date(timeIntervalSince1970: 1_764_000_000.25))
        writer.add("k", [1, 2])
        writer.add("l", ["x", "y\""])
        var inner = JSONWriter()
        inner.add("z", 0)
        writer.add("m", inner)
        writer.add("n", [inner, JSONWriter()])
        writer.add("o", [[Float(0.25), 1], []])
        writer.add("p", [[Float.nan, -Float.infinity, 1e-5]])
        #expect(writer.json == #"{"a":"plain","b":"q\"b\\s/ \n\r\t \u0001\u001f é ☃","c":null,"d":42,"e":-7,"f":1.5,"g":null,"h":true,"i":"1970-01-01T00:00:00Z","j":"2025-11-24T16:00:00.250Z","k":[1,2],"l":["x","y\""],"m":{"z":0},"n":[{"z":0},{}],"o":[[0.25,1],[]],"p":[[null,null,1e-05]]}"#)
        #expect(JSONWriter.array(["a", "b\n"]) == #"["a","b\n"]"#)
    }

    /// Dates agree with Foundation's ISO 8601 formatter, to the millisecond, across four centuries.
    @Test func datesMatchFoundationsFormatter() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var random = SplitMix64(seed: 3)
        for _ in 0..<2_000 {
            let millis = Int64(random.next() % 12_000_000_000_000) - 2_000_000_000_000
            let date = Date(timeIntervalSince1970: Double(millis) / 1000)
            var expected = formatter.string(from: date)
            if millis % 1000 == 0 { expected = expected.replacingOccurrences(of: ".000Z", with: "Z") }
            #expect(JSONWriter.iso8601(date) == expected, "\(millis)")
        }
    }

    /// The bytes for 3,000 random objects, folded into one FNV-1a digest taken from the writer
    /// that wrote the ledgers in the field: a change to any byte of any of them changes it.
    @Test func randomObjectsKeepTheirBytes() {
        var random = SplitMix64(seed: 17)
        var digest: UInt64 = 0xcbf2_9ce4_8422_2325
        for _ in 0..<3_000 {
            let text = Self.randomObject(&random, depth: 0).json
            for byte in text.utf8 { digest = (digest ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        }
        #expect(digest == 0x08ee_109b_7d89_b7ec)
    }

    static func randomString(_ random: inout SplitMix64) -> String {
        let alphabet: [Unicode.Scalar] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{00}", "\u{08}", "\u{0c}", "\u{1f}", "\u{7f}", "é", "☃", "😀"]
        let count = Int(random.next() % 12)
        var text = ""
        for _ in 0..<count { text.unicodeScalars.append(alphabet[Int(random.next() % UInt64(alphabet.count))]) }
        return text
    }

    static func randomObject(_ random: inout SplitMix64, depth: Int) -> JSONWriter {
        var writer = JSONWriter()
        for index in 0..<Int(random.next() % 6) {
            let key = "k\(index)" + randomString(&random)
            switch random.next() % (depth < 2 ? 11 : 9) {
            case 0: writer.add(key, randomString(&random))
            case 1: writer.add(key, nil as String?)
            case 2: writer.add(key, Int(Int64(bitPattern: random.next()) >> Int(random.next() % 63)))
            case 3: writer.add(key, Int64(bitPattern: random.next()))
            case 4: writer.add(key, Double(bitPattern: random.next()))
            case 5: writer.add(key, random.next() % 2 == 0)
            case 6: writer.add(key, Date(timeIntervalSince1970: Double(random.next() % 4_000_000_000_000) / 1000))
            case 7: writer.add(key, (0..<Int(random.next() % 4)).map { _ in randomString(&random) })
            case 8: writer.add(key, (0..<Int(random.next() % 4)).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: random.next())) }.filter(\.isFinite).map { [$0] })
            case 9: writer.add(key, randomObject(&random, depth: depth + 1))
            default: writer.add(key, (0..<Int(random.next() % 3)).map { _ in randomObject(&random, depth: depth + 1) })
            }
        }
        return writer
    }
}
