/// What `Importer.fit` learned from the training file; stored in `store.json` and applied to
/// test and predict files.
public struct FeatureSchema: Codable, Sendable, Equatable {
    /// The format of the training file; test and predict files must use the same one.
    public var format: DataFormat
    /// The CSV options used for training; nil for idx and libsvm.
    public var csv: CSVOptions?
    /// CSV: fields per training row. LibSVM: the feature dimension. IDX: pixels per image.
    public var columnCount: Int
    /// CSV feature columns in column order; empty for idx and libsvm.
    public var encoders: [ColumnEncoder]
    /// The label vocabulary; a label's index is its position here. Sorted numerically when every
    /// label is a number (so `"2" < "10"`), otherwise by string.
    public var classes: [String]
    /// The encoded feature dimension (length of one row of `ImportedData.features`).
    public var featureCount: Int
    /// CSV: where the label, id, subject and prior columns sit (resolved from the `ColumnRef`s of
    /// `csv`, so later files need no header). Nil for idx and libsvm.
    public var roles: CSVColumnRoles?
    /// CSV: every column's role, type, categories and missing count, in column order. Nil for idx
    /// and libsvm, and for stores created before it was recorded.
    public var columns: [ColumnSummary]?
    /// CSV: the least number of live records that must carry a category (or class) for it to
    /// have its own input (or output); rarer ones share "other". When set, the schema is a
    /// function of the live records (see ``SchemaStats``) and row files keep pre-encoding cells.
    /// Nil in stores created before it existed (and for idx and libsvm).
    public var minCategoryCount: Int?

    /// The class that rare labels share, when any live record has one.
    public static let otherClass = "(other)"

    /// The position of ``otherClass`` in `classes`, if the schema has it.
    public var otherClassIndex: Int? {
        minCategoryCount == nil ? nil : classes.lastIndex(of: Self.otherClass)
    }

    public init(
        format: DataFormat,
        csv: CSVOptions?,
        columnCount: Int,
        encoders: [ColumnEncoder],
        classes: [String],
        featureCount: Int,
        roles: CSVColumnRoles? = nil,
        columns: [ColumnSummary]? = nil,
        minCategoryCount: Int? = nil
    ) {
        self.format = format
        self.csv = csv
        self.columnCount = columnCount
        self.encoders = encoders
        self.classes = classes
        self.featureCount = featureCount
        self.roles = roles
        self.columns = columns
        self.minCategoryCount = minCategoryCount
    }
}

/// The 0-based positions of the non-feature columns of a CSV training row.
public struct CSVColumnRoles: Codable, Sendable, Equatable {
    public var label: Int
    public var id: Int?
    public var subject: Int?
    public var prior: Int?
    /// Every column's name: its header name, or its index as text without a header.
    public var names: [String]
    /// Whether `names` come from a header row, so later files are matched by name. Nil in stores
    /// created before this was recorded (treated as: a header unless the names are the indices).
    public var named: Bool?
    /// Columns left out with `--drop`.
    public var dropped: [Int]?

    /// Whether later files with a header are matched by name.
    public var matchesByName: Bool {
        named ?? (names != names.indices.map(String.init))
    }

    public init(label: Int, id: Int? = nil, subject: Int? = nil, prior: Int? = nil, names: [String], named: Bool? = nil, dropped: [Int]? = nil) {
        self.label = label
        self.id = id
        self.subject = subject
        self.prior = prior
        self.names = names
        self.named = named
        self.dropped = dropped
    }
}
