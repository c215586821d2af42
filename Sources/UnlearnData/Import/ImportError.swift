/// A problem in an input file, located as precisely as possible and with a hint on what to do.
///
/// `description` reads `<file>:<line>: column <col>: <message>. <hint>`; the line and column parts
/// are left out when unknown. Lines are 1-based physical lines of the file (a quoted CSV field may
/// span lines; its record is reported at the line where it starts). Messages may quote the
/// offending value: the user owns the file.
public struct ImportError: Error, CustomStringConvertible, Sendable {
    /// What kind of problem this is, for callers that branch on it.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let unreadable = Code("unreadable")
        /// The input file does not exist (exit code 66 in the CLI).
        public static let notFound = Code("not-found")
        public static let noData = Code("no-data")
        public static let badOptions = Code("bad-options")
        public static let unknownColumn = Code("unknown-column")
        public static let fieldCount = Code("field-count")
        public static let badQuote = Code("bad-quote")
        public static let notNumeric = Code("not-numeric")
        public static let idLike = Code("id-like")
        public static let tooLarge = Code("too-large")
        public static let badLabel = Code("bad-label")
        public static let missingColumns = Code("missing-columns")
        public static let nonFinite = Code("non-finite")
        public static let missingValue = Code("missing-value")
        public static let duplicateId = Code("duplicate-id")
        public static let unknownLabel = Code("unknown-label")
        public static let badPrior = Code("bad-prior")
        public static let missingLabelsFile = Code("missing-labels-file")
        public static let idxFormat = Code("idx-format")
        public static let idxCountMismatch = Code("idx-count-mismatch")
        public static let idxShape = Code("idx-shape")
        public static let libsvmPair = Code("libsvm-pair")
        public static let libsvmIndexOrder = Code("libsvm-index-order")
        public static let libsvmIndexRange = Code("libsvm-index-range")
    }

    public var code: Code
    /// The file's path as given.
    public var file: String
    /// The 1-based line, when the problem sits on one.
    public var line: Int?
    /// The column: a CSV header name or 0-based index, a LibSVM feature index, or a `ColumnRef`.
    public var column: String?
    /// What is wrong, without a final period.
    public var message: String
    /// What to do about it.
    public var hint: String

    public init(_ code: Code, file: String, line: Int? = nil, column: String? = nil, message: String, hint: String) {
        self.code = code
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.hint = hint
    }

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if let column { text += "column \(column): " }
        text += message + ". " + hint
        return text
    }
}
