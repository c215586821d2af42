import Foundation
import Testing
import UnlearnData

/// Temporary files, real-data paths and error checks shared by the Import*Tests.
enum ImportFixture {
    /// The read-only public datasets (override with UNLEARN_DATA).
    static let dataRoot = URL(fileURLWithPath: ProcessInfo.processInfo.environment["UNLEARN_DATA"] ?? "/work/shared/data")

    static func realFile(_ path: String) -> URL { dataRoot.appendingPathComponent(path) }

    static func hasRealFile(_ path: String) -> Bool { FileManager.default.fileExists(atPath: realFile(path).path) }

    /// A fresh empty directory under the system temp directory.
    static func makeDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("unlearn-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes `text` to a new file in a fresh directory.
    static func file(_ text: String, name: String = "data.csv") throws -> URL {
        try file(bytes: Array(text.utf8), name: name)
    }

    static func file(bytes: [UInt8], name: String) throws -> URL {
        let url = try makeDirectory().appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    /// Runs `body`, which must throw an `ImportError`, and checks its location and message.
    static func expectError(
        _ code: ImportError.Code, file: URL, line: Int?, column: String?, message: String,
        hint: String? = nil, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
    ) {
        do {
            try body()
            Issue.record("expected an ImportError \(code), but nothing was thrown", sourceLocation: sourceLocation)
        } catch let error as ImportError {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            #expect(error.file == file.path, sourceLocation: sourceLocation)
            #expect(error.line == line, "\(error)", sourceLocation: sourceLocation)
            #expect(error.column == column, "\(error)", sourceLocation: sourceLocation)
            #expect(error.message.contains(message), "\(error)", sourceLocation: sourceLocation)
            #expect(!error.hint.isEmpty, sourceLocation: sourceLocation)
            if let hint { #expect(error.hint.contains(hint), "\(error)", sourceLocation: sourceLocation) }
        } catch {
            Issue.record("expected an ImportError, got \(error)", sourceLocation: sourceLocation)
        }
    }

    /// Fits a CSV file written from `text`.
    static func fitCSV(_ text: String, _ options: CSVOptions) throws -> (FeatureSchema, ImportedData, URL) {
        let url = try file(text)
        let (schema, data) = try Importer.fit(format: .csv, data: url, labels: nil, csv: options)
        return (schema, data, url)
    }

    /// The encoded row `r` of `data`.
    static func row(_ data: ImportedData, _ r: Int, _ schema: FeatureSchema) -> [Float] {
        Array(data.features[r * schema.featureCount ..< (r + 1) * schema.featureCount])
    }
}

@Suite struct ImportFixtureTests {
    @Test func errorDescriptionNamesFileLineColumnMessageAndHint() {
        let full = ImportError(.notNumeric, file: "a.csv", line: 7, column: "age", message: "'x' is not a number", hint: "Fix it.")
        #expect(full.description == "a.csv:7: column age: 'x' is not a number. Fix it.")
        let bare = ImportError(.noData, file: "b.csv", message: "the file is empty", hint: "Check the path.")
        #expect(bare.description == "b.csv: the file is empty. Check the path.")
    }
}
