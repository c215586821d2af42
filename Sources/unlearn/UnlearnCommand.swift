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
            DeleteCommand.self, RetrainCommand.self, RebuildCommand.self, AuditCommand.self, VerifyCommand.self, RecoverCommand.self, DoctorCommand.self,
            ReceiptCommand.self, ServeCommand.self, TokenCommand.self, CallbacksCommand.self, BenchCommand.self,
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
        // Lets the exit-code test reach 70 (an internal error) without a real bug.
        if ProcessInfo.processInfo.environment["UNLEARN_TEST_INTERNAL_ERROR"] == "1" { throw InternalTestError() }
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

private struct InternalTestError: Error, CustomStringConvertible {
    var description: String { "internal error requested by UNLEARN_TEST_INTERNAL_ERROR" }
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
            var handler = DeferredMetadataLogHandler(StreamLogHandler.standardError(label: label))
            handler.logLevel = level
            return handler
        }
    }
}

/// Prints `value` as one line of JSON (sorted keys, ISO-8601 dates). Ledger fields that hold JSON
/// text (`payload`, `plan`) are printed as nested objects, not as strings holding JSON.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    let data = try encoder.encode(value)
    let text = String(decoding: data, as: UTF8.self)
    guard text.contains(#""payload":"{"#) || text.contains(#""plan":"{"#),
          let tree = try? JSONSerialization.jsonObject(with: data) else {
        print(text)
        return
    }
    let nested = try JSONSerialization.data(withJSONObject: nestJSONStrings(tree), options: [.sortedKeys, .withoutEscapingSlashes])
    print(String(decoding: nested, as: UTF8.self))
}

/// Replaces `payload` and `plan` strings that hold a JSON object by that object, recursively.
func nestJSONStrings(_ value: Any) -> Any {
    if let array = value as? [Any] { return array.map(nestJSONStrings) }
    guard var object = value as? [String: Any] else { return value }
    for (key, field) in object {
        if ["payload", "plan"].contains(key), let text = field as? String, text.hasPrefix("{"),
           let inner = try? JSONSerialization.jsonObject(with: Data(text.utf8)) {
            object[key] = inner
        } else {
            object[key] = nestJSONStrings(field)
        }
    }
    return object
}

extension StoreOptions {
    /// Opens the store named by `--store`; `readOnly` for commands that only read.
    func open(readOnly: Bool = false) throws -> Store { try Store.open(store, readOnly: readOnly) }
}
