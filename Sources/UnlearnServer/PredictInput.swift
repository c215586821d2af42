import Foundation
import UnlearnData

/// The body of `POST /v1/predict`: `rows` (objects keyed by column name, or arrays in the
/// training columns' order) and `exclude_pending`.
struct PredictInput: Equatable {
    var rows: [RecordInput]
    var excludePending: Bool

    static let fields: Set<String> = ["rows", "exclude_pending"]

    /// - Throws: ``APIError`` (400 naming the field) for a body that is not a predict request.
    static func parse(_ data: Data, maxRows: Int) throws -> PredictInput {
        let body = try JSONObject.parse(data)
        try body.allowOnly(fields)
        let excludePending = try body.bool("exclude_pending") ?? false
        guard let rowsValue = body.fields["rows"] else { throw APIError.badRequest("rows", "is required") }
        guard case .array(let items) = rowsValue else { throw APIError.badRequest("rows", "must be an array of rows") }
        guard !items.isEmpty, items.count <= maxRows else { throw APIError.badRequest("rows", "must hold 1…\(maxRows) rows") }
        return PredictInput(rows: try items.enumerated().map(row), excludePending: excludePending)
    }

    private static func row(_ index: Int, _ item: JSONValue) throws -> RecordInput {
        func bad(_ name: String) -> APIError { .badRequest("rows[\(index)].\(name)", "must be a number, a string or null") }
        switch item {
        case .object(let values):
            var row: [String: FieldValue] = [:]
            row.reserveCapacity(values.count)
            for (name, value) in values {
                guard let field = field(value) else {
                    // Of two bad values, name the first by name, the same one each time.
                    throw bad(values.keys.sorted().first { Self.field(values[$0]!) == nil }!)
                }
                row[name] = field
            }
            return .named(row)
        case .array(let values):
            return .ordered(try values.enumerated().map { position, value in
                guard let field = field(value) else { throw bad(String(position)) }
                return field
            })
        default:
            throw APIError.badRequest("rows[\(index)]", "must be an object or an array, not \(item.typeName)")
        }
    }

    /// One value, or nil for an array or object; a boolean is read as the text a CSV file would hold.
    private static func field(_ value: JSONValue) -> FieldValue? {
        switch value {
        case .null: .missing
        case .number(let x): .number(x)
        case .string(let s): .string(s)
        case .bool(let b): .string(b ? "true" : "false")
        case .array, .object: nil
        }
    }
}
