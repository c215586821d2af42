/// How one CSV feature column becomes encoded features, learned on the training file.
public enum ColumnEncoder: Codable, Sendable, Equatable {
    /// One feature, standardised as `(x - mean) / std`.
    ///
    /// `mean` and `std` are the population statistics of the non-missing training values; a
    /// constant column gets `std` 1. A missing value (`?` or empty) encodes as 0, which is the
    /// training mean. Stores with a minimum category count quantise both (see ``NumericSums``).
    case numeric(column: Int, name: String, mean: Double, std: Double)
    /// One feature per vocabulary entry (one-hot), vocabulary sorted.
    ///
    /// A missing value encodes as all zeros. When `other` is true (stores with a minimum
    /// category count) one more input follows the vocabulary: every value outside it, rare in
    /// training or unseen, sets that input. Otherwise an unseen category encodes as all zeros.
    case categorical(column: Int, name: String, vocabulary: [String], other: Bool? = nil)

    /// The 0-based column index in a training row.
    public var column: Int {
        switch self {
        case .numeric(let column, _, _, _), .categorical(let column, _, _, _): column
        }
    }

    /// The column's header name, or its index as text when the file has no header.
    public var name: String {
        switch self {
        case .numeric(_, let name, _, _), .categorical(_, let name, _, _): name
        }
    }

    /// How many encoded features this column produces.
    public var width: Int {
        switch self {
        case .numeric: 1
        case .categorical(_, _, let vocabulary, let other): vocabulary.count + (other == true ? 1 : 0)
        }
    }

    /// The input a categorical value sets within this column's block: its vocabulary position,
    /// the "other" input for a value outside the vocabulary when there is one, nil otherwise.
    /// - Parameter index: the value's vocabulary position, nil when it is not in the vocabulary.
    @inline(__always)
    public func categorySlot(_ index: Int?) -> Int? {
        if let index { return index }
        guard case .categorical(_, _, let vocabulary, true) = self else { return nil }
        return vocabulary.count
    }
}
