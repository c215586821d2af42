import ArgumentParser
import UnlearnStore

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure the accuracy / unlearning-cost trade-off, training speed and the store's hot paths.",
        subcommands: [BenchSweepCommand.self, BenchTrainerCommand.self, BenchMicroCommand.self],
        defaultSubcommand: BenchSweepCommand.self)
}

/// Data options shared by the bench commands, named as in `init`.
struct BenchDataOptions: ParsableArguments {
    @Option(help: "Training data.") var data: String
    @Option(help: "IDX labels file for --data.") var labels: String?
    @Option(help: "csv, idx or libsvm.") var format: DataFormat
    @Option(help: "Test data (same format).") var testData: String?
    @Option(help: "IDX labels file for --test-data.") var testLabels: String?
    @Option(help: "CSV label column.") var label: String = "last"
}
