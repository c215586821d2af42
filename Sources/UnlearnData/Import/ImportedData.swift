/// Records read from one file, encoded through a ``FeatureSchema``.
public struct ImportedData: Sendable {
    /// The record ids: the id column when given, else `row-<n>` with `n` the 0-based data-row ordinal.
    public var ids: [String]
    /// The data subject of each record; all nil when there is no subject column.
    public var subjects: [String?]
    /// The deletion likelihood of each record in [0, 1], when a prior column is given.
    public var priors: [Double]?
    /// Each record's index into `FeatureSchema.classes`; empty when the file has no labels.
    public var labels: [Int32]
    /// The encoded features, row-major: (count, schema.featureCount).
    public var features: [Float]
    /// The number of records.
    public var count: Int
    /// What a person should know about how the file was read (e.g. columns ignored by name).
    public var notes: [String]
    /// Pre-encoding cells (``RawCells``), (count, encoders + 1) row-major: CSV training data of a
    /// schema with a minimum category count, which row files keep instead of `features`.
    public var cells: [UInt64]?
    /// The sha256 of the input as read (before decompression), when the importer computed it.
    public var sourceSHA256: String?

    public init(ids: [String], subjects: [String?], priors: [Double]?, labels: [Int32], features: [Float], count: Int, notes: [String] = []) {
        self.ids = ids
        self.subjects = subjects
        self.priors = priors
        self.labels = labels
        self.features = features
        self.count = count
        self.notes = notes
    }
}
