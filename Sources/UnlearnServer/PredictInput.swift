import Foundation
import UnlearnData

/// The body of `POST /v1/predict`, decoded in one pass with the schema as a guide.
///
/// Each value is read as the type its column holds (a number for a numeric column, a string
/// otherwise), so a well-typed body decodes without a failed attempt: every failed attempt
/// builds a `DecodingError`, and trying scalars in turn (``JSONValue``) made body parsing 80% of
/// the predict handler. A value of another type takes ``JSONValue``'s general path, so the rows
/// and every 400 are the same as through ``JSONObject``; a wrong hint costs time, never an answer.
struct PredictInput: Equatable {
    var rows: [RecordInput]
    var excludePending: Bool

    /// Which values to read as numbers first.
    struct Hints: Sendable {
        var numericNames: Set<String> = []
        /// Positions in an array row (the training columns' order).
        var numericPositions: Set<Int> = []
        /// IDX and LibSVM stores: every value is a number.
        var allNumeric = false

        init() {}

        init(_ schema: FeatureSchema?) {
            guard let schema else { return }
            guard schema.format == .csv else {
                allNumeric = true
                return
            }
            for case .numeric(let column, let name, _, _) in schema.encoders {
                numericNames.insert(name)
                numericPositions.insert(column)
            }
        }
    }

    static let fields: Set<String> = ["rows", "exclude_pending"]

    /// - Throws: ``APIError`` (400 naming the field) for a body that is not a predict request.
    static func parse(_ data: Data, hints: Hints, maxRows: Int) throws -> PredictInput {
        let decoder = JSONDecoder()
        decoder.userInfo[Body.context] = Body.Context(hints: hints, maxRows: maxRows)
        do {
            return try decoder.decode(Body.self, from: data).input
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.badRequest("body", "is not valid JSON")
        }
    }

    private struct Body: Decodable {
        struct Context {
            var hints: Hints
            var maxRows: Int
        }
        static let context = CodingUserInfoKey(rawValue: "unlearn.predict")!

        var input: PredictInput

        init(from decoder: any Decoder) throws {
            let context = decoder.userInfo[Self.context] as! Context
            guard let body = try? decoder.container(keyedBy: JSONKey.self) else {
                throw APIError.badRequest("body", "must be a JSON object, not \(try JSONValue(from: decoder).typeName)")
            }
            if let unknown = body.allKeys.map(\.stringValue).sorted().first(where: { !PredictInput.fields.contains($0) }) {
                throw APIError.badRequest(unknown, "unknown field")
            }
            var excludePending = false
            if body.contains(.exclude), try !body.decodeNil(forKey: .exclude) {
                if let flag = try? body.decode(Bool.self, forKey: .exclude) {
                    excludePending = flag
                } else {
                    let other = try body.decode(JSONValue.self, forKey: .exclude)
                    throw APIError.badRequest("exclude_pending", "must be a boolean, not \(other.typeName)")
                }
            }
            guard body.contains(.rows) else { throw APIError.badRequest("rows", "is required") }
            guard var items = try? body.nestedUnkeyedContainer(forKey: .rows) else {
                throw APIError.badRequest("rows", "must be an array of rows")
            }
            guard let count = items.count, count > 0, count <= context.maxRows else {
                throw APIError.badRequest("rows", "must hold 1…\(context.maxRows) rows")
            }
            var rows: [RecordInput] = []
            rows.reserveCapacity(count)
            while !items.isAtEnd {
                rows.append(try Self.row(items.superDecoder(), index: rows.count, hints: context.hints))
            }
            input = PredictInput(rows: rows, excludePending: excludePending)
        }

        private static func row(_ decoder: any Decoder, index: Int, hints: Hints) throws -> RecordInput {
            if let object = try? decoder.container(keyedBy: JSONKey.self) {
                var values: [String: FieldValue] = [:]
                values.reserveCapacity(object.allKeys.count)
                for key in object.allKeys {
                    let name = key.stringValue
                    let numeric = hints.allNumeric || hints.numericNames.contains(name)
                    values[name] = try leaf(numeric: numeric, field: "rows[\(index)].\(name)",
                                            isNil: { try object.decodeNil(forKey: key) },
                                            number: { try object.decode(Double.self, forKey: key) },
                                            string: { try object.decode(String.self, forKey: key) },
                                            any: { try object.decode(JSONValue.self, forKey: key) })
                }
                return .named(values)
            }
            if var array = try? decoder.unkeyedContainer() {
                var values: [FieldValue] = []
                values.reserveCapacity(array.count ?? 0)
                while !array.isAtEnd {
                    let position = values.count
                    let numeric = hints.allNumeric || hints.numericPositions.contains(position)
                    values.append(try leaf(numeric: numeric, field: "rows[\(index)].\(position)",
                                           isNil: { try array.decodeNil() },
                                           number: { try array.decode(Double.self) },
                                           string: { try array.decode(String.self) },
                                           any: { try array.decode(JSONValue.self) }))
                }
                return .ordered(values)
            }
            let other = try JSONValue(from: decoder)
            throw APIError.badRequest("rows[\(index)]", "must be an object or an array, not \(other.typeName)")
        }

        /// One value: the hinted type first, then the general path (a failed attempt consumes
        /// nothing, so `any` reads the same value). The field's name is built only for an error.
        private static func leaf(
            numeric: Bool, field: @autoclosure () -> String, isNil: () throws -> Bool, number: () throws -> Double,
            string: () throws -> String, any: () throws -> JSONValue
        ) throws -> FieldValue {
            if try isNil() { return .missing }
            if numeric, let x = try? number() { return .number(x) }
            if !numeric, let s = try? string() { return .string(s) }
            switch try any() {
            case .null: return .missing
            case .number(let x): return .number(x)
            case .string(let s): return .string(s)
            case .bool(let b): return .string(b ? "true" : "false")
            case .array, .object: throw APIError.badRequest(field(), "must be a number, a string or null")
            }
        }
    }

}

private extension JSONKey {
    static let rows = JSONKey(stringValue: "rows")
    static let exclude = JSONKey(stringValue: "exclude_pending")
}
