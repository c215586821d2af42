/// What the importer understood about one column of a CSV training file: shown by `unlearn init`
/// and `unlearn status --schema`, stored in `store.json`.
public struct ColumnSummary: Codable, Sendable, Equatable {
    /// What the column is used for.
    public enum Role: String, Codable, Sendable {
        case label, id, subject, prior, feature, dropped
    }

    /// What the column's values are.
    public enum Kind: String, Codable, Sendable {
        /// Every non-missing value is a number: standardised.
        case numeric
        /// Text values: one-hot encoded (features), or classes (the label).
        case categorical
        /// Kept as text: ids and subjects.
        case text
        /// Not read: dropped columns.
        case none
    }

    public var name: String
    public var role: Role
    public var kind: Kind
    /// Categories (a categorical feature) or classes (the label); nil otherwise.
    public var categories: Int?
    /// Missing values in the column (features only; nil when not counted).
    public var missing: Int?
    /// Encoded features the column contributes.
    public var width: Int

    public init(name: String, role: Role, kind: Kind, categories: Int? = nil, missing: Int? = nil, width: Int = 0) {
        self.name = name
        self.role = role
        self.kind = kind
        self.categories = categories
        self.missing = missing
        self.width = width
    }
}

extension Importer {
    /// `tab`, `comma`, `semicolon`, `pipe`, or the character quoted.
    public static func delimiterName(_ delimiter: UInt8) -> String {
        switch delimiter {
        case 9: "tab"
        case UInt8(ascii: ","): "comma"
        case UInt8(ascii: ";"): "semicolon"
        case UInt8(ascii: "|"): "pipe"
        default: "'\(String(UnicodeScalar(delimiter)))'"
        }
    }
}

extension FeatureSchema {
    /// The schema as a table a person can check: one line per column with its role, type,
    /// categories and missing share, after a line on how the file was read.
    ///
    /// - Parameter rows: the number of training rows, for the missing share.
    public func summaryLines(rows: Int) -> [String] {
        guard let columns, let csv else {
            return ["\(format.rawValue) data: \(featureCount) features, \(classes.count) classes"]
        }
        var lines: [String] = []
        let delimiter = Importer.delimiterName(csv.delimiter)
        let named = roles?.named ?? false
        lines.append("read as: delimiter \(delimiter)\(csv.detectDelimiter ? " (detected; set it with --delimiter)" : ""), \(named ? "header row" : "no header (columns by position)")"
            + ", missing: empty, \(csv.missing.joined(separator: " "))" + (csv.decimalComma ? ", decimal comma" : ""))
        let width = max(6, columns.map(\.name.count).max() ?? 0)
        lines.append("column".padding(toLength: width, withPad: " ", startingAt: 0) + "  role     type         categories  missing  features")
        for column in columns {
            let categories = column.categories.map(String.init) ?? "-"
            let missing = column.missing.map { rows > 0 ? String(format: "%.1f%%", 100 * Double($0) / Double(rows)) : "0%" } ?? "-"
            let fields = [
                column.name.padding(toLength: width, withPad: " ", startingAt: 0),
                column.role.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0),
                column.kind.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0),
                String(repeating: " ", count: max(0, 10 - categories.count)) + categories,
                String(repeating: " ", count: max(0, 7 - missing.count)) + missing,
                String(repeating: " ", count: max(0, 8 - String(column.width).count)) + String(column.width),
            ]
            lines.append(fields.joined(separator: "  "))
        }
        return lines
    }
}
