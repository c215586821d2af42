import ArgumentParser
import Foundation
import UnlearnData
import UnlearnStore

extension DataFormat: ExpressibleByArgument {}

/// How to read the training data: shared by `init` and `bench`, so both accept the same flags.
struct ImportOptions: ParsableArguments {
    @Option(help: "Training data: CSV, LibSVM text, or IDX images; '-' reads standard input; gzip and zstd files are recognised by their first bytes.") var data: String
    @Option(help: "IDX labels file (with --format idx).") var labels: String?
    @Option(help: "csv, idx or libsvm.") var format: DataFormat
    @Option(help: "CSV label column: header name, 0-based index, or 'last'.") var label: String = "last"
    @Option(help: "CSV record-id column (default: row-<n>).") var id: String?
    @Option(help: "CSV data-subject column, for 'delete --subject'.") var subject: String?
    @Option(help: "CSV deletion-likelihood column (numbers in [0,1], or classes with --prior-likely).") var prior: String?
    @Option(help: "Comma-separated values of the --prior column that mean 'likely to be deleted'.") var priorLikely: String?
    @Option(help: "Comma-separated CSV columns to treat as categorical.") var categorical: String?
    @Option(help: "Comma-separated CSV columns to leave out.") var drop: String?
    @Option(help: "Comma-separated values that mean 'missing' besides the empty field (default: ?,NA,N/A,null,NULL).") var missing: String?
    @Flag(help: "CSV numbers use a decimal comma (3,14); fields are then separated by ';' or tabs.") var decimalComma = false
    @Flag(help: "Accept a label column that looks continuous or has more than 100 classes.") var classification = false
    @Option(help: "CSV: a category (or class) needs this many live records for its own input (or output); rarer ones share 'other', so the schema names no individual. Numeric scaling then comes from quantised statistics. 0 keeps the older encoding fitted on every row.")
    var minCategoryCount: Int = 10
    @Option(help: "CSV header: auto, yes or no.") var header: String = "auto"
    @Option(help: "CSV delimiter: tab, comma, semicolon, pipe, '\\t' or one character (default: detected from the first lines).") var delimiter: String?
    @Option(help: "LibSVM: the largest feature index accepted (a guard against typos that would need a huge dense matrix).")
    var maxFeatures: Int = Importer.defaultMaxFeatures

    var dataURL: URL { URL(fileURLWithPath: data) }
    var labelsURL: URL? { labels.map { URL(fileURLWithPath: $0) } }

    /// The CSV reading options, or nil for IDX and LibSVM.
    func csvOptions() throws -> CSVOptions? {
        guard format == .csv else { return nil }
        let mode: HeaderMode
        switch header {
        case "auto": mode = .auto
        case "yes", "present": mode = .present
        case "no", "absent": mode = .absent
        default: throw UnlearnError(.usage, "--header must be auto, yes or no")
        }
        guard minCategoryCount >= 0 else { throw UnlearnError(.usage, "--min-category-count must be 0 or more") }
        return CSVOptions(
            header: mode, delimiter: try delimiter.map(parseDelimiter) ?? UInt8(ascii: ","), label: label, id: id, subject: subject, prior: prior,
            priorLikely: commaList(priorLikely), categorical: commaList(categorical),
            missing: missing.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? CSVOptions.defaultMissing,
            decimalComma: decimalComma, drop: commaList(drop), classification: classification, detectDelimiter: delimiter == nil,
            minCategoryCount: minCategoryCount == 0 ? nil : minCategoryCount)
    }
}

/// `tab`, `comma`, `semicolon`, `pipe`, `\t` (as typed, or a real tab) or one ASCII character.
func parseDelimiter(_ text: String) throws -> UInt8 {
    switch text.lowercased() {
    case "tab", "\\t", "\t": return 9
    case "comma": return UInt8(ascii: ",")
    case "semicolon": return UInt8(ascii: ";")
    case "pipe": return UInt8(ascii: "|")
    default:
        guard text.utf8.count == 1, let byte = text.utf8.first, byte != 0x22, byte != 0x0A, byte != 0x0D else {
            throw UnlearnError(.usage, "--delimiter '\(text)' is not a delimiter",
                               hint: "Use tab, comma, semicolon, pipe, '\\t' or one character other than a quote or newline.")
        }
        return byte
    }
}

/// Test data for `eval`-like measurements in the bench commands.
struct TestDataOptions: ParsableArguments {
    @Option(help: "Test data in the training data's format.") var testData: String?
    @Option(help: "IDX labels file for --test-data.") var testLabels: String?

    var dataURL: URL? { testData.map { URL(fileURLWithPath: $0) } }
    var labelsURL: URL? { testLabels.map { URL(fileURLWithPath: $0) } }
}

func commaList(_ text: String?) -> [String] {
    text.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } ?? []
}

/// A file read through a store's stored encoders (`eval`, `predict`).
struct StoreDataOptions: ParsableArguments {
    @Option(help: "Data in the store's format; '-' reads standard input; gzip and zstd are recognised by their first bytes. CSV columns are matched by header name when both files have a header, by position otherwise.") var data: String
    @Option(help: "IDX labels file.") var labels: String?
    @Option(help: "Must match the store's format if given.") var format: String?
    @Flag(help: "Leave out shards that hold records awaiting deletion (a request takes effect before the retrain).")
    var excludePending = false

    var dataURL: URL { URL(fileURLWithPath: data) }
    var labelsURL: URL? { labels.map { URL(fileURLWithPath: $0) } }

    /// Opens the store and checks that `--format`, if given, is the store's.
    func open(_ location: StoreOptions) throws -> Store {
        let store = try location.open(readOnly: true)
        let stored = store.config.schema.format.rawValue
        if let format, format != stored {
            throw UnlearnError(.usage, "the store holds \(stored) data, not \(format)", hint: "Drop --format or pass --format \(stored).")
        }
        return store
    }
}
