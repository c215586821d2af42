import Foundation
import Testing
import UnlearnCore
import UnlearnData
@testable import UnlearnServer

/// An intake body holds the same fields, and fails with the same 400, as Foundation's
/// `JSONSerialization` tree of it says it should.
struct JSONObjectTests {
    typealias Outcome = Result<[String: JSONValue], Failure>
    struct Failure: Error, Equatable { var message: String }

    static func general(_ data: Data) -> Outcome {
        guard let tree = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
              let value = try? JSONValueTests.oracle(tree) else { return .failure(Failure(message: "body: is not valid JSON")) }
        guard case .object(let fields) = value else { return .failure(Failure(message: "body: must be a JSON object, not \(value.typeName)")) }
        return .success(fields)
    }

    static func parsed(_ data: Data) -> Outcome {
        do {
            return .success(try JSONObject.parse(data).fields)
        } catch let error as APIError {
            return .failure(Failure(message: error.message))
        } catch {
            return .failure(Failure(message: "unexpected \(error)"))
        }
    }

    /// Intake-like bodies: mostly the right types, with wrong ones, nesting and broken syntax mixed in.
    struct Generator {
        var random: SplitMix64
        static let names = ["record_ids", "subject", "reason", "requested_by", "external_id", "status_callback_urls", "extra"]

        mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &random) < p }
        mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &random)] }

        mutating func string() -> String {
            "\"" + pick(["row-1", "", "caf\u{e9}", "a\\\"b", "\\u00e9\\n", "12", "subject:42", "https://x.example/cb"]) + "\""
        }

        mutating func value(depth: Int = 0) -> String {
            switch Int.random(in: 0..<10, using: &random) {
            case 0: return pick(["1", "-2.5e3", "0", "12345678901234567890"])
            case 1: return pick(["true", "false"])
            case 2: return "null"
            case 3 where depth < 2: return "{" + (0..<Int.random(in: 0...2, using: &random)).map { "\"k\($0)\":" + value(depth: depth + 1) }.joined(separator: ",") + "}"
            case 4, 5, 6 where depth < 2:
                let count = Int.random(in: 0...4, using: &random)
                return "[" + (0..<count).map { _ in chance(0.85) ? string() : value(depth: depth + 1) }.joined(separator: ",") + "]"
            default: return string()
            }
        }

        mutating func body() -> String {
            if chance(0.05) { return pick(["[]", "1", "\"record_ids\"", "null", "true", "[\"row-1\"]"]) }
            let keys = Self.names.filter { _ in chance(0.4) }.shuffled(using: &random)
            var text = "{" + keys.map { "\"\($0)\":" + value() }.joined(separator: ",") + "}"
            if chance(0.05) { text = String(text.prefix(Int.random(in: 0..<text.count, using: &random))) }
            if chance(0.02) { text += pick(["}", ",", " x"]) }
            return text
        }
    }

    @Test func sameFieldsAndErrorsAsJSONSerializationOver3000RandomBodies() {
        var generator = Generator(random: SplitMix64(seed: 20261206))
        var objects = 0, failures = Set<String>()
        for n in 0..<3000 {
            let text = generator.body()
            let data = Data(text.utf8)
            let expected = Self.general(data)
            #expect(Self.parsed(data) == expected, "body \(n): \(text)")
            switch expected {
            case .success: objects += 1
            case .failure(let failure): failures.insert(failure.message)
            }
        }
        // Most bodies are objects, and each kind of refusal (invalid JSON, each non-object type) occurs.
        #expect(objects > 2000, "\(objects)")
        #expect(failures.count >= 5, "\(failures)")
    }

    @Test func aWellTypedIntakeBody() throws {
        let data = Data(#"{"record_ids":["row-1","row-2"],"reason":"gdpr","external_id":"x","flag":true}"#.utf8)
        let object = try JSONObject.parse(data)
        #expect(object.fields == ["record_ids": .array([.string("row-1"), .string("row-2")]), "reason": .string("gdpr"),
                                  "external_id": .string("x"), "flag": .bool(true)])
    }
}
