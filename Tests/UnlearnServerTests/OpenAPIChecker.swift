import Foundation

/// A JSON value for the tests (booleans and numbers kept apart on every platform).
enum TestJSON: Decodable, Equatable, CustomStringConvertible {
    case null, bool(Bool), number(Double), string(String), array([TestJSON]), object([String: TestJSON])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let v = try? c.decode(Bool.self) { self = .bool(v) }
        else if let v = try? c.decode(Double.self) { self = .number(v) }
        else if let v = try? c.decode(String.self) { self = .string(v) }
        else if let v = try? c.decode([TestJSON].self) { self = .array(v) }
        else { self = .object(try c.decode([String: TestJSON].self)) }
    }

    static func parse(_ data: Data) throws -> TestJSON { try JSONDecoder().decode(TestJSON.self, from: data) }

    subscript(key: String) -> TestJSON? {
        if case .object(let o) = self { return o[key] }
        return nil
    }
    subscript(index: Int) -> TestJSON? {
        if case .array(let a) = self, a.indices.contains(index) { return a[index] }
        return nil
    }
    var string: String? { if case .string(let s) = self { return s }; return nil }
    var number: Double? { if case .number(let x) = self { return x }; return nil }
    var int: Int? { number.map { Int($0) } }
    var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
    var array: [TestJSON]? { if case .array(let a) = self { return a }; return nil }
    var object: [String: TestJSON]? { if case .object(let o) = self { return o }; return nil }

    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number(let x): x == x.rounded() ? "integer" : "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    var description: String {
        switch self {
        case .null: "null"
        case .bool(let b): "\(b)"
        case .number(let x): "\(x)"
        case .string(let s): s
        case .array(let a): "\(a)"
        case .object(let o): "\(o)"
        }
    }
}

/// Checks response bodies against the service's OpenAPI file, for the subset of JSON Schema it
/// uses: $ref, type (one or several), required, properties, additionalProperties, items, enum,
/// oneOf, minimum, format date-time.
struct OpenAPIChecker {
    let spec: TestJSON

    init(data: Data) throws {
        spec = try TestJSON.parse(data)
    }

    /// Problems of a response for `method path` (the spec's template) and `status`; empty when it conforms.
    func check(method: String, path: String, status: Int, body: Data, contentType: String = "application/json") -> [String] {
        guard let operation = spec["paths"]?[path]?[method.lowercased()], let responses = operation["responses"] else {
            return ["\(method) \(path) is not in the spec"]
        }
        guard let response = responses[String(status)] else { return ["\(method) \(path): status \(status) is not documented"] }
        guard let schema = response["content"]?[contentType]?["schema"] else {
            return ["\(method) \(path) \(status): no \(contentType) schema"]
        }
        if contentType != "application/json" { return [] }
        guard let value = try? TestJSON.parse(body) else { return ["\(method) \(path) \(status): body is not JSON"] }
        var problems: [String] = []
        validate(value, schema, at: "$", &problems)
        return problems
    }

    private func resolve(_ schema: TestJSON) -> TestJSON {
        if let ref = schema["$ref"]?.string {
            var node: TestJSON? = spec
            for part in ref.dropFirst(2).split(separator: "/") { node = node?[String(part)] }
            return resolve(node ?? .object([:]))
        }
        return schema
    }

    func validate(_ value: TestJSON, _ rawSchema: TestJSON, at path: String, _ problems: inout [String]) {
        let schema = resolve(rawSchema)
        let actual = value.typeName
        if let type = schema["type"] {
            let allowed = type.array?.compactMap(\.string) ?? [type.string ?? ""]
            if !(allowed.contains(actual) || (actual == "integer" && allowed.contains("number"))) {
                problems.append("\(path): expected \(allowed.joined(separator: "|")), found \(actual)")
                return
            }
        }
        if let options = schema["enum"]?.array, !options.contains(value) {
            problems.append("\(path): \(value) is not one of \(options)")
        }
        if schema["format"]?.string == "date-time", let text = value.string {
            let fractional = ISO8601DateFormatter()
            fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            if ISO8601DateFormatter().date(from: text) == nil && fractional.date(from: text) == nil {
                problems.append("\(path): '\(text)' is not a date-time")
            }
        }
        if let minimum = schema["minimum"]?.number, let x = value.number, x < minimum { problems.append("\(path): below minimum \(minimum)") }
        if let oneOf = schema["oneOf"]?.array {
            let matches = oneOf.filter { option in
                var sub: [String] = []
                validate(value, option, at: path, &sub)
                return sub.isEmpty
            }.count
            if matches != 1 { problems.append("\(path): matches \(matches) of oneOf") }
        }
        if let object = value.object {
            let properties = schema["properties"]?.object ?? [:]
            for name in schema["required"]?.array?.compactMap(\.string) ?? [] where object[name] == nil {
                problems.append("\(path): missing required '\(name)'")
            }
            for (key, item) in object {
                if let property = properties[key] {
                    validate(item, property, at: "\(path).\(key)", &problems)
                } else if let additional = schema["additionalProperties"] {
                    if case .bool(let allowed) = additional {
                        if !allowed { problems.append("\(path): unexpected property '\(key)'") }
                    } else {
                        validate(item, additional, at: "\(path).\(key)", &problems)
                    }
                }
            }
        }
        if let array = value.array, let items = schema["items"] {
            for (index, item) in array.enumerated() { validate(item, items, at: "\(path)[\(index)]", &problems) }
        }
    }
}
