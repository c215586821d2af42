import Foundation
import Testing
import UnlearnCore
import UnlearnData
@testable import UnlearnServer

/// The predict body gives the rows and the 400s of an oracle: `JSONSerialization`'s tree, mapped
/// as the handler maps values.
struct PredictInputTests {
    typealias Outcome = Result<PredictInput, Failure>
    struct Failure: Error, Equatable { var status: Int, message: String }

    static let maxRows = 3

    /// The oracle: the whole body through `JSONSerialization`, checked field by field.
    static func oracle(_ data: Data) -> Outcome {
        func fail(_ field: String, _ message: String) -> Outcome { .failure(Failure(status: 400, message: "\(field): \(message)")) }
        guard let tree = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
              let value = try? JSONValueTests.oracle(tree) else { return fail("body", "is not valid JSON") }
        guard case .object(let fields) = value else { return fail("body", "must be a JSON object, not \(value.typeName)") }
        if let unknown = fields.keys.sorted().first(where: { $0 != "rows" && $0 != "exclude_pending" }) {
            return fail(unknown, "unknown field")
        }
        var exclude = false
        switch fields["exclude_pending"] {
        case nil, .null?: break
        case .bool(let b)?: exclude = b
        case let other?: return fail("exclude_pending", "must be a boolean, not \(other.typeName)")
        }
        guard let rowsValue = fields["rows"] else { return fail("rows", "is required") }
        guard case .array(let items) = rowsValue else { return fail("rows", "must be an array of rows") }
        guard !items.isEmpty, items.count <= maxRows else { return fail("rows", "must hold 1…\(maxRows) rows") }
        var rows: [RecordInput] = []
        for (index, item) in items.enumerated() {
            func field(_ v: JSONValue, _ name: String) -> FieldValue? {
                switch v {
                case .null: .missing
                case .number(let x): .number(x)
                case .string(let s): .string(s)
                case .bool(let b): .string(b ? "true" : "false")
                default: nil
                }
            }
            switch item {
            case .object(let values):
                var row: [String: FieldValue] = [:]
                // The generator puts at most one bad value in a row (of two, the handler names
                // the first by name: `ofTwoBadValuesTheFirstByNameIsNamed`).
                for (name, v) in values {
                    guard let f = field(v, name) else { return fail("rows[\(index)].\(name)", "must be a number, a string or null") }
                    row[name] = f
                }
                rows.append(.named(row))
            case .array(let values):
                var row: [FieldValue] = []
                for (position, v) in values.enumerated() {
                    guard let f = field(v, String(position)) else { return fail("rows[\(index)].\(position)", "must be a number, a string or null") }
                    row.append(f)
                }
                rows.append(.ordered(row))
            default:
                return fail("rows[\(index)]", "must be an object or an array, not \(item.typeName)")
            }
        }
        return .success(PredictInput(rows: rows, excludePending: exclude))
    }

    static func decoded(_ data: Data) -> Outcome {
        do {
            return .success(try PredictInput.parse(data, maxRows: maxRows))
        } catch let error as APIError {
            return .failure(Failure(status: Int(error.status.code), message: error.message))
        } catch {
            return .failure(Failure(status: 0, message: "\(error)"))
        }
    }

    /// Random bodies: mostly well formed, with wrong types, unknown fields, bad rows and broken
    /// syntax mixed in.
    struct Generator {
        var random: SplitMix64
        static let names = ["age", "fnlwgt", "workclass", "education", "zzz", "n\u{e9}e"]

        mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &random) < p }
        mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &random)] }

        mutating func scalar() -> String {
            switch Int.random(in: 0..<9, using: &random) {
            case 0: "\(Int.random(in: -1000...1_000_000, using: &random))"
            // Short decimals: every JSON parser reads them to the same Double, where 17-digit
            // ones may differ in the last bit between JSONSerialization and JSONDecoder.
            case 1: "\(Int.random(in: -99_999...99_999, using: &random)).\(Int.random(in: 0...999, using: &random))"
            case 2: pick(["1e3", "-2.5E-7", "0", "-0", "12345678901234567890", "0.1"])
            case 3: "\"" + pick(["Private", "", " Bachelors", "?", "caf\u{e9}", "a\\\"b", "\\u00e9\\n", "12"]) + "\""
            case 4: pick(["true", "false"])
            case 5: "null"
            case 6: "\"" + pick(["State-gov", "Self-emp", "Never-worked"]) + "\""
            default: "\(Int.random(in: 0...90, using: &random))"
            }
        }

        /// A value for a row, at most one of them an array or object (`bad`).
        mutating func value(bad: inout Bool) -> String {
            if !bad, chance(0.03) {
                bad = true
                return pick(["[1,2]", "{\"a\":1}", "[]", "{}"])
            }
            return scalar()
        }

        mutating func row() -> String {
            var bad = false
            switch Int.random(in: 0..<10, using: &random) {
            case 0: return scalar()
            case 1, 2, 3:
                let count = Int.random(in: 0...6, using: &random)
                return "[" + (0..<count).map { _ in value(bad: &bad) }.joined(separator: ",") + "]"
            default:
                let keys = Self.names.filter { _ in chance(0.7) }.shuffled(using: &random)
                return "{" + keys.map { "\"\($0)\":" + value(bad: &bad) }.joined(separator: ",") + "}"
            }
        }

        mutating func body() -> String {
            if chance(0.05) { return pick(["[]", "1", "\"rows\"", "null", "true"]) }
            var fields: [String] = []
            if chance(0.9) {
                switch Int.random(in: 0..<12, using: &random) {
                case 0: fields.append("\"rows\":null")
                case 1: fields.append("\"rows\":" + scalar())
                case 2: fields.append("\"rows\":[]")
                case 3: fields.append("\"rows\":{\"age\":1}")
                default:
                    let count = Int.random(in: 1...(PredictInputTests.maxRows + 1), using: &random)
                    fields.append("\"rows\":[" + (0..<count).map { _ in row() }.joined(separator: ",") + "]")
                }
            }
            if chance(0.4) { fields.append("\"exclude_pending\":" + pick(["true", "false", "null", "1", "\"yes\"", "[]"])) }
            if chance(0.05) { fields.append("\"" + pick(["row", "Rows", "extra"]) + "\":1") }
            var text = "{" + fields.shuffled(using: &random).joined(separator: ",") + "}"
            if chance(0.05) { text = String(text.prefix(Int.random(in: 0..<text.count, using: &random))) }
            if chance(0.02) { text += pick(["}", ",", " x"]) }
            return text
        }
    }

    @Test func sameRowsAndErrorsAsTheOracleOver3000RandomBodies() throws {
        var generator = Generator(random: SplitMix64(seed: 20261122))
        var outcomes: [String: Int] = [:]
        for n in 0..<3000 {
            let text = generator.body()
            let data = Data(text.utf8)
            let expected = Self.oracle(data)
            let actual = Self.decoded(data)
            #expect(actual == expected, "body \(n): \(text)")
            switch expected {
            case .success: outcomes["rows", default: 0] += 1
            case .failure(let failure): outcomes[String(failure.message.split(separator: ":").last ?? ""), default: 0] += 1
            }
        }
        // The generator reaches the well-formed case (about a fifth of bodies) and each kind of refusal.
        #expect(outcomes["rows", default: 0] > 450, "\(outcomes)")
        #expect(outcomes.count >= 8, "\(outcomes)")
    }

    @Test func ofTwoBadValuesTheFirstByNameIsNamed() {
        let data = Data(#"{"rows":[{"zeta":[1],"age":3,"beta":{}}]}"#.utf8)
        #expect(Self.decoded(data) == .failure(Failure(status: 400, message: "rows[0].beta: must be a number, a string or null")))
    }
}
