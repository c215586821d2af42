import ArgumentParser

struct BenchSweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sweep", abstract: "Sweep shards × slices × requests.")
    func run() throws {
        throw ValidationError("not available yet")
    }
}
