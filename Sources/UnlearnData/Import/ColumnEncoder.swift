/// How one CSV feature column becomes encoded features, learned on the training file.
public enum ColumnEncoder: Codable, Sendable, Equatable {
    /// One feature, standardised as `(x - mean) / std`.
    ///
    /// `mean` and `std` are the population statistics of the non-missing training values; a
    /// constant column gets `std` 1. A missing value (`?` or empty) encodes as 0, which is the
    /// training mean.
    case numeric(column: Int, name: String, mean: Double, std: Double)
    /// One feature per vocabulary entry (one-hot), vocabulary sorted.
    ///
    /// A missing value encodes as all zeros; so does a category not seen in training (at test or
    /// predict time this is not an error).
    case categorical(column: Int, name: String, vocabulary: [String])

    /// The 0-based column index in a training row.
    public var column: Int {
        switch self {
        case .numeric(let column, _, _, _), .categorical(let column, _, _): column
        }
    }

    /// The column's header name, or its index as text when the file has no header.
    public var name: String {
        switch self {
        case .numeric(_, let name, _, _), .categorical(_, let name, _): name
        }
    }

    /// How many encoded features this column produces.
    public var width: Int {
        switch self {
        case .numeric: 1
        case .categorical(_, _, let vocabulary): vocabulary.count
        }
    }
}
