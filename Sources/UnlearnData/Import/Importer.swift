import Foundation

/// Reads CSV, IDX and LibSVM files into encoded records.
///
/// `fit` reads training data and learns a ``FeatureSchema``; `apply` reads test or predict data
/// through that schema, so later files encode exactly like the training file. Both only return
/// values: they never write files, so a failed import leaves nothing half-written. Every problem
/// in an input file is an ``ImportError`` naming the file, line and column with a hint.
///
/// Encoding by format:
/// - CSV: numeric columns standardised with the training mean and std, categorical columns
///   one-hot; labels trimmed and stripped of ONE trailing `.` (UCI convention: `<=50K.` is `<=50K`).
/// - IDX: pixels scaled to [0, 1] as `x / 255`; labels are the digits as text.
/// - LibSVM: values kept raw (not standardised: sparse data would lose its zeros); numeric labels
///   canonicalised, so `+1`, `1` and `1.0` are one class.
public enum Importer {
    /// The default cap on LibSVM feature indices (`init --max-features` raises it).
    public static let defaultMaxFeatures = 1_000_000

    /// Reads training data and learns the schema (vocabularies, means and stds, classes).
    ///
    /// - Parameters:
    ///   - format: the file format.
    ///   - data: the data file (IDX: the images file).
    ///   - labels: the IDX labels file; must be nil for CSV and LibSVM, whose rows carry their labels.
    ///   - csv: how to read a CSV file (required for CSV, ignored otherwise).
    ///   - maxFeatures: LibSVM: the largest feature index accepted (a typo such as `1000000000:1`
    ///     would otherwise ask for a dense matrix of terabytes).
    ///   - keyer: the store's keyer, needed for CSV with a minimum category count (cells).
    /// - Returns: the schema and the training records encoded through it.
    /// - Throws: ``ImportError``.
    public static func fit(
        format: DataFormat, data: URL, labels: URL?, csv: CSVOptions?, maxFeatures: Int = defaultMaxFeatures, keyer: Keyer? = nil
    ) throws -> (FeatureSchema, ImportedData) {
        switch format {
        case .csv:
            try rejectLabelsFile(labels, format: format)
            guard let csv else {
                throw ImportError(.badOptions, file: data.path, message: "CSV import needs CSV options with the label column",
                                  hint: "Name the label column with --label <col>.")
            }
            return try fitCSV(data, csv, keyer: keyer)
        case .idx:
            return try fitIDX(images: data, labels: labels)
        case .libsvm:
            try rejectLabelsFile(labels, format: format)
            return try fitLibSVM(data, maxFeatures: maxFeatures)
        }
    }

    /// Reads test or predict data through a stored schema.
    ///
    /// - Parameters:
    ///   - schema: the schema `fit` returned for the training file.
    ///   - data: the data file, in `schema.format`.
    ///   - labels: the IDX labels file (optional when `requireLabels` is false); nil otherwise.
    ///   - requireLabels: true for evaluation. When false (predict), files with or without labels
    ///     are accepted (CSV: one field fewer than training; LibSVM: lines starting with a pair),
    ///     and `labels` comes back empty when the file has none. Labels that are present must
    ///     still be classes seen in training.
    /// - Throws: ``ImportError``.
    public static func apply(_ schema: FeatureSchema, data: URL, labels: URL?, requireLabels: Bool) throws -> ImportedData {
        switch schema.format {
        case .csv:
            try rejectLabelsFile(labels, format: schema.format)
            let bytes = try readBytes(data)
            return try bytes.withUnsafeBufferPointer { buffer in
                try encodeCSV(schema, buffer, path: data.path, requireLabels: requireLabels)
            }
        case .idx:
            return try applyIDX(schema, images: data, labels: labels, requireLabels: requireLabels)
        case .libsvm:
            try rejectLabelsFile(labels, format: schema.format)
            return try applyLibSVM(schema, data, requireLabels: requireLabels)
        }
    }

    private static func rejectLabelsFile(_ labels: URL?, format: DataFormat) throws {
        guard let labels else { return }
        throw ImportError(.badOptions, file: labels.path,
                          message: "a separate labels file is only read for idx data",
                          hint: "Leave out the labels file: \(format.rawValue) rows carry their own labels.")
    }
}
