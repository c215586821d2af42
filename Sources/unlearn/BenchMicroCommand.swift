import ArgumentParser

/// Placeholder wired into `bench`; the micro-benchmarks are added in their own files.
struct BenchMicroCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "micro", abstract: "Micro-benchmarks of the store's hot paths.")
    func run() throws {
        throw ValidationError("not available yet")
    }
}

struct BenchSweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sweep", abstract: "Sweep shards × slices × requests.")
    func run() throws {
        throw ValidationError("not available yet")
    }
}
