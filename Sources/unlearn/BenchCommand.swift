import ArgumentParser
import UnlearnBench
import UnlearnData

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure the accuracy / unlearning-cost trade-off, training speed and the store's hot paths.",
        subcommands: [BenchSweepCommand.self, BenchTrainerCommand.self, BenchMicroCommand.self, BenchSchemaCommand.self],
        defaultSubcommand: BenchSweepCommand.self)
}

