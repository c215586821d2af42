import Foundation
import Testing
import UnlearnCore
import UnlearnData
@testable import UnlearnServer

/// Request bodies are parsed with `JSONDecoder`; Foundation's other parser, `JSONSerialization`,
/// is the oracle.
struct JSONValueTests {
    /// The oracle: `JSONSerialization`'s tree, converted value by value.
    static func oracle(_ value: Any) throws -> JSONValue {
        switch value {
        case is NSNull: return .null
        case let string as String: return .string(string)
        // JSON's true and false arrive as boolean NSNumbers, whose type code is "c".
        case let number as NSNumber:
            return String(cString: number.objCType) == "c" ? .bool(number.boolValue) : .number(number.doubleValue)
        case let array as [Any]: return .array(try array.map(oracle))
        case let object as [String: Any]: return .object(try object.mapValues(oracle))
        default: throw CocoaError(.coderReadCorrupt)
        }
    }

    static let bodies = [
        #"{"rows":[{"0":25,"1":"Private","2":226802,"13":"United-States"}],"exclude_pending":true}"#,
        #"{"a":true,"b":false,"c":1,"d":0,"e":-0,"f":1.5,"g":-2.25e-3,"h":1e300,"i":null}"#,
        #"{"s":"é ☃ \u00e9 \n \"q\" \\ /","empty":"","arr":[],"obj":{}}"#,
        #"{"nested":[[1,[2,[3,{"x":[true,null,"y"]}]]]],"big":12345678901234567890}"#,
        #"[1,"two",false,null]"#, #""just a string""#, "42", "true", "null",
    ]

    @Test(arguments: bodies) func parsesAsJSONSerializationDoes(text: String) throws {
        let data = Data(text.utf8)
        let parsed = try JSONValue(parsing: data)
        let oracle = try Self.oracle(JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]))
        #expect(parsed == oracle)
    }

    @Test(arguments: [nil, "ext-1", "a/b \"quoted\" é"]) func intakeBodyIsWhatTheEncoderWrites(external: String?) throws {
        let body = IntakeBody(
            deletionID: 7, deletionIDs: [7, 8], status: "pending", receivedTime: Date(timeIntervalSince1970: 1_764_000_000.75),
            dueTime: Date(timeIntervalSince1970: 1_766_592_000), repeated: external != nil, externalID: external,
            records: [RecordBody(position: 0, deletionID: 7, key: "0123456789ab", shard: 3, slice: 1),
                      RecordBody(position: 1, deletionID: 8, key: "ba9876543210", shard: 0, slice: 4)])
        #expect(body.json == String(decoding: try apiEncoder().encode(body), as: UTF8.self))
    }

    /// Scores of every magnitude a float can hold (whole, tiny, huge, negative zero), over many seeds.
    @Test(arguments: 0..<40) func predictBodyIsWhatTheEncoderWrites(seed: Int) throws {
        var random = SplitMix64(seed: UInt64(seed))
        let rows = Int(random.next() % 4), k = 1 + Int(random.next() % 4)
        let scores = (0..<rows).map { _ in
            (0..<k).map { _ -> Float in
                let bits = UInt32(truncatingIfNeeded: random.next())
                let value = Float(bitPattern: bits)
                // Encoders refuse NaN and infinities; scores are finite.
                guard value.isFinite else { return [0, 1, 0.5, -0.0, 16_777_216, 1e-45][Int(bits % 6)] }
                return bits % 3 == 0 ? Float(bits % 1000) / 1000 : value
            }
        }
        let body = PredictBody(
            modelVersion: seed, classes: ["<=50K", ">50K \"x\""], labels: (0..<rows).map { $0 % 2 == 0 ? "<=50K" : ">50K" },
            scores: scores, excludedShards: Array(0..<(seed % 3)))
        #expect(body.json == String(decoding: try apiEncoder().encode(body), as: UTF8.self))
    }

    @Test func booleansStayBooleansAndNumbersStayNumbers() throws {
        let value = try JSONValue(parsing: Data(#"{"t":true,"one":1,"f":false,"zero":0}"#.utf8))
        #expect(value == .object(["t": .bool(true), "one": .number(1), "f": .bool(false), "zero": .number(0)]))
    }

    // Malformed bodies are refused by both parsers.
    @Test(arguments: ["", "{", #"{"a":}"#, "{'a':1}", "[1 2]", "nul", #"{"a":01}"#, #"{"a":NaN}"#, #"{"a":1} x"#, "\u{FEFF}{"])
    func malformedBodiesThrowAsJSONSerializationDoes(text: String) {
        #expect(throws: (any Error).self) { _ = try JSONValue(parsing: Data(text.utf8)) }
        #expect(throws: (any Error).self) { _ = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) }
    }
}
