import Foundation
import Testing
@testable import UnlearnServer

/// Request bodies are parsed with `JSONSerialization`; the `Decodable` path is the oracle.
struct JSONValueTests {
    static let bodies = [
        #"{"rows":[{"0":25,"1":"Private","2":226802,"13":"United-States"}],"exclude_pending":true}"#,
        #"{"a":true,"b":false,"c":1,"d":0,"e":-0,"f":1.5,"g":-2.25e-3,"h":1e300,"i":null}"#,
        #"{"s":"é ☃ \u00e9 \n \"q\" \\ /","empty":"","arr":[],"obj":{}}"#,
        #"{"nested":[[1,[2,[3,{"x":[true,null,"y"]}]]]],"big":12345678901234567890}"#,
        #"[1,"two",false,null]"#, #""just a string""#, "42", "true", "null",
    ]

    @Test(arguments: bodies) func parsesAsTheDecoderDoes(text: String) throws {
        let data = Data(text.utf8)
        let parsed = try JSONValue(parsing: data)
        let decoded = try JSONDecoder().decode(JSONValue.self, from: data)
        #expect(parsed == decoded)
    }

    @Test func booleansStayBooleansAndNumbersStayNumbers() throws {
        let value = try JSONValue(parsing: Data(#"{"t":true,"one":1,"f":false,"zero":0}"#.utf8))
        #expect(value == .object(["t": .bool(true), "one": .number(1), "f": .bool(false), "zero": .number(0)]))
    }

    // Foundation's parser (behind both paths) tolerates a trailing comma; everything else malformed is refused.
    @Test(arguments: ["", "{", #"{"a":}"#, "{'a':1}", "[1 2]", "nul", #"{"a":01}"#, #"{"a":NaN}"#, #"{"a":1} x"#, "\u{FEFF}{"])
    func malformedBodiesThrowAsTheDecoderDoes(text: String) {
        #expect(throws: (any Error).self) { _ = try JSONValue(parsing: Data(text.utf8)) }
        #expect(throws: (any Error).self) { _ = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }
    }
}
