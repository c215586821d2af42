import ArgumentParser
import UnlearnBench
import Foundation
import UnlearnStore

/// `unlearn bench micro`: the store's hot paths, measured in-process.
struct BenchMicroCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "micro",
        abstract: "Micro-benchmarks of the store's hot paths: checkpoint codec, ledger intake, audit lookups, prediction.",
        discussion: """
            Prints one Markdown table per benchmark (or, with --json, one JSON object per measurement) on \
            stdout and progress on stderr. The ledger benchmarks write fsync'd SQLite files under $TMPDIR \
            and remove them afterwards.
            """)

    @Option(help: "Comma-separated benchmarks to run: codec, ledger, audit, predict (default: all).") var only: String?
    @Option(help: "Comma-separated ledger sizes (requests) for the audit lookups.") var requests: String = "100000,1000000"
    @Option(help: "Directory with the MNIST training IDX files, for the codec benchmark (skipped without it).") var mnist: String?
    @Option(help: "MNIST images to train the codec benchmark's model on.") var images: Int = 6_000
    @Option(help: "Hidden width of the codec benchmark's MLP (784-H-10; 512 makes a ≈5 MB checkpoint).") var hidden: Int = 512
    @Option(help: "Training epochs for the codec benchmark's model.") var epochs: Int = 2
    @Option(help: "Timed encodes and decodes per codec case (the median is reported).") var repetitions: Int = 30
    @Option(help: "Timed audit lookups per ledger size.") var lookups: Int = 2_000
    @Option(help: "Timed one-sample predictions.") var calls: Int = 2_000
    @Flag(help: "One JSON object per measurement.") var json = false

    func run() throws {
        try execute {
            let selected = try benches()
            let sizes = try intList(requests, name: "--requests")
            let log: (String) -> Void = { FileHandle.standardError.write(Data("\($0)\n".utf8)) }
            for bench in MicroBench.allCases where selected.contains(bench) {
                let results: [MicroMeasurement]
                switch bench {
                case .codec:
                    guard let mnist, let files = MicroCodecBenchmark.mnistFiles(in: URL(fileURLWithPath: mnist)) else {
                        log("codec: no MNIST training files (train-images-idx3-ubyte, train-labels-idx1-ubyte) in '\(mnist ?? "")'; skipped. Pass --mnist DIR.")
                        continue
                    }
                    results = try MicroCodecBenchmark.run(mnist: files, images: images, hidden: hidden, epochs: epochs, repetitions: repetitions, log: log)
                case .ledger:
                    results = try MicroLedgerBenchmark.run(log: log)
                case .audit:
                    results = try MicroAuditBenchmark.run(requests: sizes, lookups: lookups, log: log)
                case .predict:
                    results = MicroPredictBenchmark.run(calls: calls, log: log)
                }
                if json {
                    try results.forEach(printJSON)
                } else {
                    print("\n## \(bench.rawValue)\n\n" + MicroMeasurement.table(results))
                }
            }
        }
    }

    /// The benchmarks named by --only, or all of them.
    private func benches() throws -> Set<MicroBench> {
        guard let only else { return Set(MicroBench.allCases) }
        return Set(try only.split(separator: ",").map { name in
            guard let bench = MicroBench(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw UnlearnError(.usage, "--only: unknown benchmark '\(name)'; use codec, ledger, audit or predict")
            }
            return bench
        })
    }
}
