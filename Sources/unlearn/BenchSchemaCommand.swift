import ArgumentParser
import Foundation
import UnlearnBench
import UnlearnData
import UnlearnStore

struct BenchSchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema", abstract: "How often one uniform deletion alone changes the schema (and so forces a rebuild).")

    @OptionGroup var source: ImportOptions
    @Option(help: "Check this many uniformly drawn records (default: every record).") var sample: Int?
    @Flag(help: "One JSON object.") var json = false

    func run() throws {
        try execute {
            let csv = try source.csvOptions()
            guard source.format == .csv, csv?.minCategoryCount != nil else {
                throw UnlearnError(.usage, "bench schema needs CSV data and a --min-category-count of 1 or more")
            }
            let keyer = Keyer(secret: Keyer.newSecret())
            let (schema, data) = try Importer.fit(format: .csv, data: source.dataURL, labels: nil, csv: csv, keyer: keyer)
            let result = SchemaRebuildRate.measure(schema: schema, data: data, keyer: keyer, sample: sample)
            if json { return try printJSON(result) }
            print(String(format: "%d of %d single deletions change the schema (%.3f%%): %d by a category or class falling below k, %d by a quantised statistic; %.1f s",
                         result.rebuilds, result.checked, 100 * result.rate, result.byCount, result.byStatistic, result.seconds))
        }
    }
}
