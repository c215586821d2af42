import Foundation

/// A parsed JSON value, for bodies checked field by field (so an error can name the field).
public enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses `data`: ``JSONReader`` first, and Foundation's `JSONDecoder` for what the reader
    /// leaves to it (a byte-order mark, a duplicate key, a number at the edge of `Double`'s range,
    /// deep nesting) and to refuse what is not JSON. Both give the same value wherever the reader
    /// answers (`JSONReaderTests`, and the `json` fuzz target).
    /// - Throws: `DecodingError` when the data is not JSON.
    public init(parsing data: Data) throws {
        if let value = JSONReader.parse(data) {
            self = value
        } else {
            self = try JSONDecoder().decode(JSONValue.self, from: data)
        }
    }

    /// Scalars are tried first, the common case first, so that a leaf costs at most two
    /// failed attempts (each builds an error) and only objects and arrays pay for the rest.
    public init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer()
        if value.decodeNil() { self = .null; return }
        if let string = try? value.decode(String.self) { self = .string(string); return }
        if let number = try? value.decode(Double.self) { self = .number(number); return }
        if let bool = try? value.decode(Bool.self) { self = .bool(bool); return }
        if let object = try? decoder.container(keyedBy: JSONKey.self) {
            var fields: [String: JSONValue] = [:]
            fields.reserveCapacity(object.allKeys.count)
            for key in object.allKeys { fields[key.stringValue] = try object.decode(JSONValue.self, forKey: key) }
            self = .object(fields)
            return
        }
        var array = try decoder.unkeyedContainer()
        var items: [JSONValue] = []
        while !array.isAtEnd { items.append(try array.decode(JSONValue.self)) }
        self = .array(items)
    }

    public func encode(to encoder: any Encoder) throws {
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

    public var typeName: String {
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

/// Any object key, for decoding objects whose keys are not known in advance.
public struct JSONKey: CodingKey {
    public var stringValue: String
    public var intValue: Int? { nil }
    public init(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { nil }
}
