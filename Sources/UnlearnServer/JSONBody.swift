import Foundation
import Hummingbird
import UnlearnData
import UnlearnLedger

/// A JSON object body: typed accessors that answer 400 naming the field, and a check that
/// no unknown field was sent.
struct JSONObject {
    let fields: [String: JSONValue]

    static func parse(_ request: Request, limit: Int) async throws -> JSONObject {
        try parse(try await collect(request, limit: limit))
    }

    static func parse(_ data: Data) throws -> JSONObject {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: data)
        } catch {
            throw APIError.badRequest("body", "is not valid JSON")
        }
        guard case .object(let fields) = value else { throw APIError.badRequest("body", "must be a JSON object, not \(value.typeName)") }
        return JSONObject(fields: fields)
    }

    /// The whole body: 413 over `limit` bytes, 400 when empty.
    static func collect(_ request: Request, limit: Int) async throws -> Data {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw APIError.tooLarge
        }
        guard buffer.readableBytes > 0 else { throw APIError.badRequest("body", "a JSON object is required") }
        return Data(buffer.readableBytesView)
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
    jsonResponse(ByteBuffer(bytes: try apiEncoder().encode(value)), status: status)
}

/// A response whose JSON is already written (bodies written directly, receipts, the spec).
func jsonResponse(text: String, status: HTTPResponse.Status = .ok) -> Response {
    jsonResponse(ByteBuffer(string: text), status: status)
}

func jsonResponse(_ body: ByteBuffer, status: HTTPResponse.Status = .ok) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = "application/json"
    return Response(status: status, headers: headers, body: .init(byteBuffer: body))
}

/// How response bodies are encoded: sorted keys, unescaped slashes, dates as `iso8601(_:)`.
func apiEncoder() -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .custom { date, encoder in
        var container = encoder.singleValueContainer()
        try container.encode(iso8601(date))
    }
    return encoder
}

/// `2026-11-22T06:20:00Z` (UTC, whole seconds): the ledger's writer, to the second.
func iso8601(_ date: Date) -> String {
    JSONWriter.iso8601(Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)))
}
