/// Where each training column sits in a later input (a test or predict file, or a JSON record).
///
/// Built by name from a header (``Importer/matchColumns(_:to:requireLabels:source:line:)``), or
/// by position for headerless files.
public struct ColumnMatch: Sendable, Equatable {
    /// For each training column (0..<schema.columnCount): its index in the input, or nil when the
    /// input does not have it (the label at predict time, or ids, subjects, priors and dropped columns).
    public var positions: [Int?]
    /// How many fields each input row has.
    public var fieldCount: Int
    /// Input columns that no training column needs, by name (ignored).
    public var ignored: [String]

    /// Whether the input holds the label column.
    public func hasLabel(_ schema: FeatureSchema) -> Bool {
        schema.roles.map { positions[$0.label] != nil } ?? false
    }

    public init(positions: [Int?], fieldCount: Int, ignored: [String]) {
        self.positions = positions
        self.fieldCount = fieldCount
        self.ignored = ignored
    }
}

extension Importer {
    /// Matches input columns to the training columns by header name, in any order.
    ///
    /// Every feature column must be present (the label too when `requireLabels`); the id, subject
    /// and prior columns are used when present. Input columns the model does not know are listed
    /// in `ignored`; dropped training columns are skipped silently.
    ///
    /// - Parameters:
    ///   - names: the input's column names (a header row, or the keys of a JSON record).
    ///   - schema: a CSV schema.
    ///   - requireLabels: true for evaluation.
    ///   - source: the file (or request) named in errors.
    ///   - line: the header's line, for errors.
    /// - Throws: ``ImportError`` `.missingColumns` naming every absent column, or `.unknownColumn`
    ///   when a needed name appears twice.
    public static func matchColumns(_ names: [String], to schema: FeatureSchema, requireLabels: Bool, source: String, line: Int? = nil) throws -> ColumnMatch {
        guard let roles = schema.roles else {
            throw ImportError(.badOptions, file: source, message: "the stored schema has no CSV columns",
                              hint: "The store was initialised from another format; send data in that format.")
        }
        var index: [String: [Int]] = [:]
        for (k, name) in names.enumerated() { index[trimBlanks(name), default: []].append(k) }
        var positions = [Int?](repeating: nil, count: schema.columnCount)
        var missing: [String] = []
        let needed = Set(schema.encoders.map(\.column) + (requireLabels ? [roles.label] : []))
        let dropped = Set(roles.dropped ?? [])
        for column in 0..<schema.columnCount where !dropped.contains(column) {
            let name = roles.names[column]
            guard let found = index[name] else {
                if needed.contains(column) { missing.append(name) }
                continue
            }
            guard found.count == 1 else {
                throw ImportError(.unknownColumn, file: source, line: line, column: name,
                                  message: "\(found.count) columns are named '\(name)' (at \(found.map(String.init).joined(separator: ", ")))",
                                  hint: "Give each column a distinct name.")
            }
            positions[column] = found[0]
        }
        if !missing.isEmpty {
            let shown = missing.prefix(20).map { "'\($0)'" }.joined(separator: ", ") + (missing.count > 20 ? ", …" : "")
            let onlyLabel = missing == [roles.names[roles.label]]
            throw ImportError(.missingColumns, file: source, line: line,
                              message: onlyLabel ? "the label column \(shown) is missing, and evaluation needs it"
                                  : "\(missing.count) column(s) the model was trained on \(missing.count == 1 ? "is" : "are") missing: \(shown)",
                              hint: onlyLabel ? "Add the label column, or use 'unlearn predict', which needs no labels."
                                  : "Add them (columns are matched by header name, in any order).")
        }
        let known = Set(roles.names)
        let ignored = names.map(trimBlanks).filter { !known.contains($0) }
        return ColumnMatch(positions: positions, fieldCount: names.count, ignored: ignored)
    }

    /// Matches a headerless input by position: rows have every training column, or (when
    /// `requireLabels` is false) every column but the label, the later ones shifted left.
    static func matchByPosition(fieldCount: Int, schema: FeatureSchema, requireLabels: Bool) -> ColumnMatch? {
        guard let roles = schema.roles else { return nil }
        let full = schema.columnCount
        if fieldCount == full {
            return ColumnMatch(positions: (0..<full).map { $0 }, fieldCount: full, ignored: [])
        }
        if fieldCount == full - 1 && !requireLabels {
            let positions: [Int?] = (0..<full).map { $0 == roles.label ? nil : ($0 < roles.label ? $0 : $0 - 1) }
            return ColumnMatch(positions: positions, fieldCount: full - 1, ignored: [])
        }
        return nil
    }
}
