/// How to read a CSV file.
///
/// Column references (`ColumnRef` strings) name a column by its header name, by its 0-based index
/// (`"3"`), or as `"last"`. A header name wins over an index when both could match.
///
/// Fields are split on `delimiter`, then trimmed of spaces and tabs (so Adult's `", "` separator
/// reads with the default `","`). RFC 4180 double quotes are supported: `"a,b"` is one field,
/// `""` inside quotes is one `"`, and a quoted field may span lines. `?` or an empty field is a
/// missing value. Blank lines, and lines whose first non-blank characters are one of
/// `commentPrefixes`, are skipped.
public struct CSVOptions: Codable, Sendable, Equatable {
    /// Whether the first row is a header.
    public enum HeaderMode: String, Codable, Sendable, CaseIterable {
        /// The first row is a header when none of its fields parse as numbers and at least one
        /// field of the second row does. A file whose columns are all text needs `.present`.
        case auto
        case present
        case absent
    }

    /// Whether the first row is a header; `.auto` by default.
    public var header: HeaderMode
    /// The field separator byte; `,` by default.
    public var delimiter: UInt8
    /// The label column (`ColumnRef`). Required for training data.
    public var label: String
    /// The record-id column (`ColumnRef`); without it records are named `row-<n>`.
    public var id: String?
    /// The data-subject column (`ColumnRef`); an empty or `?` value means "no subject".
    public var subject: String?
    /// The deletion-likelihood column (`ColumnRef`): numbers in [0, 1], or, when `priorLikely`
    /// is not empty, categories where the listed values mean 1 and all others 0.
    public var prior: String?
    /// The values of the `prior` column that mean "likely to be deleted".
    public var priorLikely: [String]
    /// Columns (`ColumnRef`s) to one-hot encode even when their values look numeric.
    public var categorical: [String]
    /// Lines starting with one of these (after leading blanks) are skipped; `["#", "|"]` by default.
    public var commentPrefixes: [String]

    /// Options in declaration order; only the label column is required.
    public init(
        header: HeaderMode = .auto,
        delimiter: UInt8 = UInt8(ascii: ","),
        label: String,
        id: String? = nil,
        subject: String? = nil,
        prior: String? = nil,
        priorLikely: [String] = [],
        categorical: [String] = [],
        commentPrefixes: [String] = ["#", "|"]
    ) {
        self.header = header
        self.delimiter = delimiter
        self.label = label
        self.id = id
        self.subject = subject
        self.prior = prior
        self.priorLikely = priorLikely
        self.categorical = categorical
        self.commentPrefixes = commentPrefixes
    }
}

/// Whether the first CSV row is a header (`CSVOptions.HeaderMode`).
public typealias HeaderMode = CSVOptions.HeaderMode
