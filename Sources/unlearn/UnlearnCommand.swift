import ArgumentParser
import Foundation
import Logging
import UnlearnStore

@main
struct UnlearnCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unlearn",
        abstract: "Exact machine unlearning by SISA: train sharded models, delete records, prove it.",
        discussion: "Set UNLEARN_LOG_LEVEL (trace…critical, default warning) for logs on stderr; record ids never appear in them.",
        subcommands: [
            InitCommand.self, TrainCommand.self, EvalCommand.self, PredictCommand.self, StatusCommand.self,
            DeleteCommand.self, RetrainCommand.self, AuditCommand.self, VerifyCommand.self, RecoverCommand.self,
            BenchCommand.self, ServeCommand.self, TokenCommand.self,
        ])
}

/// `--store DIR`, shared by every command.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "Store directory.")
    var store: String = "shards"
}

/// Runs a command body, turning failures into one clear line on stderr and a sysexits code.
func execute(_ body: () throws -> Void) throws {
    LoggingBootstrap.once()
    do {
        try body()
    } catch let error as UnlearnError {
        fail(error.description, code: error.category.rawValue)
    } catch let error as ExitCode {
        throw error
    } catch let error as CleanExit {
        throw error
    } catch {
        let (message, code) = describe(error)
        fail(message, code: code)
    }
}

func fail(_ message: String, code: Int32) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    Foundation.exit(code)
}

enum LoggingBootstrap {
    nonisolated(unsafe) private static var done = false

    static func once() {
        guard !done else { return }
        done = true
        let level = ProcessInfo.processInfo.environment["UNLEARN_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

/// Prints `value` as one line of JSON (sorted keys, ISO-8601 dates).
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

extension StoreOptions {
    /// Opens the store named by `--store`.
    func open() throws -> Store { try Store.open(store) }
}
