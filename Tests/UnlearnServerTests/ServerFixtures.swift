import Foundation
import Logging
import Testing
import UnlearnCore
import UnlearnData
import UnlearnLedger
import UnlearnServer
import UnlearnStore

/// Small real stores (UCI Adult subsets) and tokens for the service tests.
enum ServerFixtures {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let adultLines: [String] = {
        let bytes = try! Codec.decompressFile(AtomicFile.read(repository.appendingPathComponent("data/adult/adult.data.zst").path))
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init).filter { !$0.isEmpty && !$0.hasPrefix("|") }
    }()

    /// A logger at warning (the test process shares one logging system with other suites, so
    /// these tests never bootstrap it).
    static var quietLogger: Logger {
        var logger = Logger(label: "test.serve")
        logger.logLevel = .warning
        return logger
    }

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "unlearn-serve-test-" + UUID().uuidString
        try AtomicFile.makeDirectory(path)
        return path
    }

    /// Adult rows with an id column ("person-<n>") and a subject column ("household-<n/3>") in front.
    static func adultCSV(rows: Int, in directory: String) throws -> URL {
        let lines = adultLines.prefix(rows).enumerated().map { n, line in "person-\(n), household-\(n / 3), \(line)" }
        let url = URL(fileURLWithPath: directory + "/train.csv")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// A trained store of `rows` Adult records; returns its root.
    static func createStore(rows: Int = 240, shards: Int = 3, slices: Int = 2) throws -> String {
        let directory = try temporaryDirectory()
        let data = try adultCSV(rows: rows, in: directory)
        let options = CreateOptions(
            root: directory + "/store", format: .csv, data: data, labels: nil,
            csv: CSVOptions(header: .absent, label: "last", id: "0", subject: "1"),
            shards: shards, slices: slices,
            training: TrainingConfig(model: ModelSpec(hidden: [8]), optimizer: OptimizerSpec(kind: .adam), epochs: 2, batchSize: 16, seed: 7),
            aggregation: .mean, placement: .uniform, dueDays: 30)
        let store = try Store.create(options, logger: quietLogger)
        _ = try store.train(showProgress: false)
        return options.root
    }

    /// One token per role: role -> bearer string.
    static func tokens(_ root: String) throws -> [Role: String] {
        let ledger = try Store.open(root, logger: quietLogger).ledger
        var tokens: [Role: String] = [:]
        for role in Role.allCases { tokens[role] = try Tokens.create(in: ledger, role: role, name: "test-\(role.rawValue)").0 }
        return tokens
    }

    /// One Adult row keyed by column name ("2"…"15": the Adult columns after id and subject), label left out.
    static func adultRow(_ n: Int) -> [String: Any] {
        let fields = adultLines[n].split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        var row: [String: Any] = [:]
        for (i, field) in fields.dropLast().enumerated() { row[String(i + 2)] = Double(field) ?? field as Any }
        return row
    }
}
