import Foundation
import Hummingbird

/// A parsed JSON value, for bodies checked field by field (so a 400 can name the field).
enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    /// Parses a request body. Foundation's `JSONSerialization` does it in a few microseconds;
    /// decoding this enum through `Decodable` finds each value's type by failed attempts, each
    /// building an error, and cost about 70 µs for a one-row predict body.
    init(parsing data: Data) throws {
        self = try JSONValue(foundation: JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]))
    }

    private init(foundation value: Any) throws {
        switch value {
        case is NSNull: self = .null
        case let string as String: self = .string(string)
        // JSON's true and false arrive as boolean NSNumbers, whose type code is "c".
        case let number as NSNumber:
            self = String(cString: number.objCType) == "c" ? .bool(number.boolValue) : .number(number.doubleValue)
        case let array as [Any]: self = .array(try array.map(JSONValue.init(foundation:)))
        case let object as [String: Any]: self = .object(try object.mapValues(JSONValue.init(foundation:)))
        default: throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "unexpected \(type(of: value))"))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let b): try container.encode(b)
        case .number(let x): try container.encode(x)
        case .string(let s): try container.encode(s)
        case .array(let a): try container.encode(a)
        case .object(let o): try container.encode(o)
        }
    }

    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// A JSON object body: typed accessors that answer 400 naming the field, and a check that
/// no unknown field was sent.
struct JSONObject {
    let fields: [String: JSONValue]

    static func parse(_ request: Request, limit: Int) async throws -> JSONObject {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw APIError.tooLarge
        }
        guard buffer.readableBytes > 0 else { throw APIError.badRequest("body", "a JSON object is required") }
        let value: JSONValue
        do {
            value = try JSONValue(parsing: Data(buffer.readableBytesView))
        } catch {
            throw APIError.badRequest("body", "is not valid JSON")
        }
        guard case .object(let fields) = value else { throw APIError.badRequest("body", "must be a JSON object, not \(value.typeName)") }
        return JSONObject(fields: fields)
    }

    func allowOnly(_ names: Set<String>) throws {
        if let unknown = fields.keys.sorted().first(where: { !names.contains($0) }) {
            throw APIError.badRequest(unknown, "unknown field")
        }
    }

    func string(_ name: String, maxLength: Int = 1024) throws -> String? {
        switch fields[name] {
        case nil, .null?: return nil
        case .string(let s)?:
            guard s.utf8.count <= maxLength else { throw APIError.badRequest(name, "longer than \(maxLength) bytes") }
            return s
        case let other?: throw APIError.badRequest(name, "must be a string, not \(other.typeName)")
        }
    }

    func bool(_ name: String) throws -> Bool? {
        switch fields[name] {
        case nil, .null?: return nil
        case .bool(let b)?: return b
        case let other?: throw APIError.badRequest(name, "must be a boolean, not \(other.typeName)")
        }
    }

    func stringArray(_ name: String, maxCount: Int) throws -> [String]? {
        switch fields[name] {
        case nil, .null?: return nil
        case .array(let items)?:
            guard items.count <= maxCount else { throw APIError.badRequest(name, "has more than \(maxCount) entries") }
            return try items.enumerated().map { index, item in
                guard case .string(let s) = item, !s.isEmpty, s.utf8.count <= 1024 else {
                    throw APIError.badRequest("\(name)[\(index)]", "must be a non-empty string")
                }
                return s
            }
        case let other?: throw APIError.badRequest(name, "must be an array of strings, not \(other.typeName)")
        }
    }
}

/// Responses as JSON (sorted keys, ISO-8601 dates).
func jsonResponse<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .custom { date, encoder in
        var container = encoder.singleValueContainer()
        try container.encode(iso8601(date))
    }
    var headers = HTTPFields()
    headers[.contentType] = "application/json"
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
}

/// `2026-11-22T06:20:00Z` (UTC, whole seconds), without a formatter object per call.
func iso8601(_ date: Date) -> String {
    var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
    var parts = tm()
    gmtime_r(&seconds, &parts)
    func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
    return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
}
