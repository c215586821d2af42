import Foundation
import Logging
import Testing
import UnlearnCore
import UnlearnLedger
import UnlearnData
import UnlearnStore

/// Small real datasets and stores for the orchestration tests.
enum Fixtures {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Lines of the shipped UCI Adult training file (comment and blank lines dropped).
    static let adultLines: [String] = {
        let bytes = try! Codec.decompressFile(AtomicFile.read(repository.appendingPathComponent("data/adult/adult.data.zst").path))
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init).filter { !$0.isEmpty && !$0.hasPrefix("|") }
    }()

    static let adultTestLines: [String] = {
        let bytes = try! Codec.decompressFile(AtomicFile.read(repository.appendingPathComponent("data/adult/adult.test.zst").path))
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init).filter { !$0.isEmpty && !$0.hasPrefix("|") }
    }()

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "unlearn-test-" + UUID().uuidString
        try AtomicFile.makeDirectory(path)
        return path
    }

    /// The first `rows` Adult records with an id column ("person-<n>") and a subject column
    /// ("household-<n/3>", so each subject owns three records) in front.
    static func adultCSV(rows: Int, offset: Int = 0, in directory: String, name: String = "train.csv") throws -> URL {
        let lines = adultLines[offset..<(offset + rows)].enumerated().map { n, line in "person-\(n + offset), household-\((n + offset) / 3), \(line)" }
        let url = URL(fileURLWithPath: directory + "/" + name)
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static func testCSV(rows: Int, in directory: String) throws -> URL {
        let lines = adultTestLines.prefix(rows).enumerated().map { n, line in "test-\(n), nobody, \(line)" }
        let url = URL(fileURLWithPath: directory + "/test.csv")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// Logs at warning and above only, once per test process (the library never bootstraps logging itself).
    static let quietLogs: Void = LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = .warning
        return handler
    }

    static func createStore(
        rows: Int = 300, shards: Int = 3, slices: Int = 4, model: ModelSpec = ModelSpec(hidden: [8]),
        optimizer: OptimizerKind = .adam, epochs: Int = 2, seed: UInt64 = 7, train: Bool = true
    ) throws -> Store {
        _ = quietLogs
        let directory = try temporaryDirectory()
        let data = try adultCSV(rows: rows, in: directory)
        let options = CreateOptions(
            root: directory + "/store", format: .csv, data: data, labels: nil,
            csv: CSVOptions(header: .absent, label: "last", id: "0", subject: "1"),
            shards: shards, slices: slices,
            training: TrainingConfig(model: model, optimizer: OptimizerSpec(kind: optimizer), epochs: epochs, batchSize: 16, seed: seed),
            aggregation: .mean, placement: .uniform, dueDays: 30)
        let store = try Store.create(options)
        if train { _ = try store.train(showProgress: false) }
        return store
    }

    /// Placement of every record id, from the ledger's record index.
    static func placements(_ store: Store, rows: Int) throws -> [(id: String, shard: Int, slice: Int)] {
        try (0..<rows).map { n in
            let entry = try store.record(id: "person-\(n)")!
            return ("person-\(n)", entry.shard, entry.slice)
        }
    }
}

