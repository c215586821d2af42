import Foundation

/// One field of a row given as a value rather than a file (the service's `POST /v1/predict`).
public enum FieldValue: Sendable, Equatable {
    case number(Double)
    case string(String)
    case missing
}

/// One row given as values: keyed by column name, or in the schema's column order.
public enum RecordInput: Sendable, Equatable {
    case named([String: FieldValue])
    case ordered([FieldValue])
}

/// A row that cannot be encoded: its 0-based position and the column, never the value.
public struct RecordEncodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var row: Int
    public var field: String?
    public var message: String

    public var description: String { "rows[\(row)]" + (field.map { ".\($0)" } ?? "") + ": " + message }
}

extension Importer {
    /// Encodes rows given as values through a stored schema, as `apply` encodes a file.
    ///
    /// CSV stores: `.named` rows are keyed by column name (the header name, or the index as text
    /// when the training file had none); columns the model does not use (label, id, subject,
    /// prior, unknown names) are ignored. `.ordered` rows hold every training column, or every
    /// column but the label. Missing values (`.missing`, `"?"`, `""`, or an absent column) encode
    /// as the importer encodes them: 0 (the training mean) or all zeros; unseen categories too.
    /// IDX and LibSVM stores: `.ordered` rows of `featureCount` numbers (IDX: pixel values 0…255,
    /// scaled as the importer scales them), or `.named` LibSVM rows keyed by 1-based index.
    /// - Returns: features, (rows, featureCount) row-major.
    /// - Throws: ``RecordEncodingError`` naming the row and column.
    public static func encodeRecords(_ schema: FeatureSchema, _ rows: [RecordInput]) throws -> [Float] {
        let width = schema.featureCount
        var features = [Float](repeating: 0, count: rows.count * width)
        switch schema.format {
        case .csv:
            guard let roles = schema.roles else {
                throw RecordEncodingError(row: 0, field: nil, message: "the stored schema has no CSV columns")
            }
            let lookups = schema.encoders.map { encoder -> [String: Int] in
                guard case .categorical(_, _, let vocabulary, _) = encoder else { return [:] }
                return Dictionary(uniqueKeysWithValues: vocabulary.enumerated().map { ($0.element, $0.offset) })
            }
            for (r, row) in rows.enumerated() {
                var offset = r * width
                for (e, encoder) in schema.encoders.enumerated() {
                    let value = try field(row, column: encoder.column, name: encoder.name, roles: roles, columns: schema.columnCount, row: r)
                    switch encoder {
                    case .numeric(_, let name, let mean, let std):
                        switch value {
                        case .missing: break
                        case .number(let x):
                            guard x.isFinite else { throw RecordEncodingError(row: r, field: name, message: "must be a finite number") }
                            features[offset] = Float((x - mean) / std)
                        case .string(let text):
                            let trimmed = trimBlanks(text)
                            if trimmed.isEmpty || trimmed == "?" { break }
                            guard let x = Double(trimmed), x.isFinite else {
                                throw RecordEncodingError(row: r, field: name, message: "must be a number (or ? for missing)")
                            }
                            features[offset] = Float((x - mean) / std)
                        }
                    case .categorical:
                        let text: String?
                        switch value {
                        case .missing: text = nil
                        case .string(let s): text = trimBlanks(s)
                        case .number(let x): text = x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
                        }
                        if let text, let index = encoder.categorySlot(lookups[e][text]) { features[offset + index] = 1 }
                    }
                    offset += encoder.width
                }
            }
        case .idx, .libsvm:
            let scale: Float = schema.format == .idx ? 1 / 255 : 1
            for (r, row) in rows.enumerated() {
                switch row {
                case .ordered(let values):
                    guard values.count == width else {
                        throw RecordEncodingError(row: r, field: nil, message: "has \(values.count) values; expected \(width)")
                    }
                    for (i, value) in values.enumerated() {
                        features[r * width + i] = try number(value, row: r, field: String(i)) * scale
                    }
                case .named(let pairs) where schema.format == .libsvm:
                    for (key, value) in pairs {
                        guard let index = Int(key), (1...width).contains(index) else {
                            throw RecordEncodingError(row: r, field: key, message: "is not a feature index in 1…\(width)")
                        }
                        features[r * width + index - 1] = try number(value, row: r, field: key)
                    }
                case .named:
                    throw RecordEncodingError(row: r, field: nil, message: "must be an array of \(width) pixel values")
                }
            }
        }
        return features
    }

    private static func number(_ value: FieldValue, row: Int, field: String) throws -> Float {
        switch value {
        case .number(let x) where x.isFinite: return Float(x)
        default: throw RecordEncodingError(row: row, field: field, message: "must be a finite number")
        }
    }

    /// The value of training column `column` in a row.
    private static func field(
        _ row: RecordInput, column: Int, name: String, roles: CSVColumnRoles, columns: Int, row r: Int
    ) throws -> FieldValue {
        switch row {
        case .named(let values):
            return values[name] ?? .missing
        case .ordered(let values):
            if values.count == columns { return values[column] }
            guard values.count == columns - 1 else {
                throw RecordEncodingError(row: r, field: nil, message: "has \(values.count) values; expected \(columns) (or \(columns - 1) without the label)")
            }
            return values[column < roles.label ? column : column - 1]
        }
    }
}
