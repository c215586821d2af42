/// How to read a CSV file.
///
/// Column references (`ColumnRef` strings) name a column by its header name, by its 0-based index
/// (`"3"`), or as `"last"`. A header name wins over an index when both could match.
///
/// Fields are split on `delimiter` (or the one detected from the first lines when
/// `detectDelimiter` is set), then trimmed of spaces and tabs (so Adult's `", "` separator reads
/// with `","`). RFC 4180 double quotes are supported: `"a,b"` is one field, `""` inside quotes is
/// one `"`, and a quoted field may span lines. An empty field, or one equal to a `missing` marker,
/// is a missing value. Blank lines, and lines whose first non-blank characters are one of
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
    /// Values that mean "missing" besides the empty field (at most 8 bytes each);
    /// ``defaultMissing`` by default.
    public var missing: [String]
    /// Numbers are written with a decimal comma (`3,14`), as European spreadsheets export them.
    public var decimalComma: Bool
    /// Columns (`ColumnRef`s) left out of the features.
    public var drop: [String]
    /// Accept a label column that looks continuous or has more than ``maxClasses`` classes.
    public var classification: Bool
    /// Detect the delimiter (comma, tab, semicolon or pipe) from the first lines; `delimiter` is
    /// the fallback. A fitted schema stores the delimiter that was chosen.
    public var detectDelimiter: Bool
    /// `init --min-category-count K`: a category or class needs K live records for its own
    /// input or output; rarer ones share "other" (see ``FeatureSchema/minCategoryCount``). Nil
    /// keeps the older encoding fitted on every row (exact mean and std, full vocabulary).
    public var minCategoryCount: Int?

    /// The missing-value markers used when none are given: `?`, `NA`, `N/A`, `null`, `NULL`.
    public static let defaultMissing = ["?", "NA", "N/A", "null", "NULL"]
    /// More label classes than this are refused unless `classification` is set.
    public static let maxClasses = 100

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
        commentPrefixes: [String] = ["#", "|"],
        missing: [String] = CSVOptions.defaultMissing,
        decimalComma: Bool = false,
        drop: [String] = [],
        classification: Bool = false,
        detectDelimiter: Bool = false,
        minCategoryCount: Int? = nil
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
        self.missing = missing
        self.decimalComma = decimalComma
        self.drop = drop
        self.classification = classification
        self.detectDelimiter = detectDelimiter
        self.minCategoryCount = minCategoryCount
    }

    private enum CodingKeys: String, CodingKey {
        case header, delimiter, label, id, subject, prior, priorLikely, categorical, commentPrefixes
        case missing, decimalComma, drop, classification, detectDelimiter, minCategoryCount
    }

    /// Decodes options stored before the newer fields existed with those fields' old behaviour
    /// (`?` as the only marker, no decimal comma, nothing dropped, no detection).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        header = try c.decode(HeaderMode.self, forKey: .header)
        delimiter = try c.decode(UInt8.self, forKey: .delimiter)
        label = try c.decode(String.self, forKey: .label)
        id = try c.decodeIfPresent(String.self, forKey: .id)
        subject = try c.decodeIfPresent(String.self, forKey: .subject)
        prior = try c.decodeIfPresent(String.self, forKey: .prior)
        priorLikely = try c.decode([String].self, forKey: .priorLikely)
        categorical = try c.decode([String].self, forKey: .categorical)
        commentPrefixes = try c.decode([String].self, forKey: .commentPrefixes)
        missing = try c.decodeIfPresent([String].self, forKey: .missing) ?? ["?"]
        decimalComma = try c.decodeIfPresent(Bool.self, forKey: .decimalComma) ?? false
        drop = try c.decodeIfPresent([String].self, forKey: .drop) ?? []
        classification = try c.decodeIfPresent(Bool.self, forKey: .classification) ?? false
        detectDelimiter = try c.decodeIfPresent(Bool.self, forKey: .detectDelimiter) ?? false
        minCategoryCount = try c.decodeIfPresent(Int.self, forKey: .minCategoryCount)
    }
}

/// Whether the first CSV row is a header (`CSVOptions.HeaderMode`).
public typealias HeaderMode = CSVOptions.HeaderMode
