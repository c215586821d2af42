import Foundation
import Testing
@testable import UnlearnData

/// Issue 11: the files people have (gzip, tabs with CRLF, semicolons, pipes) and columns matched
/// by header name.
@Suite struct ImportFilesTests {
    static let adultLike = """
        age,workclass,hours,income
        39,State-gov,40,<=50K
        50,Self-emp,13,<=50K
        38,Private,40,>50K
        53,Private,40,>50K

        """

    /// `gzip -c` of `bytes` (the system tool, an independent encoder).
    static func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        let input = try ImportFixture.file(bytes: bytes, name: "plain")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "gzip -c '\(input.path)'"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Array(data)
    }

    @Test func gzipIsDetectedByItsMagicBytesWhateverTheName() throws {
        let (plain, plainData, _) = try ImportFixture.fitCSV(Self.adultLike, CSVOptions(label: "income"))
        let packed = try Self.gzip(Array(Self.adultLike.utf8))
        for name in ["data.csv.gz", "data.csv"] {
            let url = try ImportFixture.file(bytes: packed, name: name)
            let (schema, data) = try Importer.fit(format: .csv, data: url, labels: nil, csv: CSVOptions(label: "income"))
            #expect(schema == plain)
            #expect(data.features == plainData.features)
        }
        // Two members (files joined with cat) read as one stream, as gzip -d does.
        let half = Self.adultLike.split(separator: "\n", omittingEmptySubsequences: false)
        let first = half.prefix(3).joined(separator: "\n") + "\n", second = half.dropFirst(3).joined(separator: "\n")
        let joined = try ImportFixture.file(bytes: try Self.gzip(Array(first.utf8)) + Self.gzip(Array(second.utf8)), name: "joined.gz")
        #expect(try Importer.fit(format: .csv, data: joined, labels: nil, csv: CSVOptions(label: "income")).1.features == plainData.features)
        // zstd by magic too, without the .zst name.
        let zstd = try ImportFixture.file(bytes: try Codec.compress(Array(Self.adultLike.utf8)), name: "data.bin")
        #expect(try Importer.fit(format: .csv, data: zstd, labels: nil, csv: CSVOptions(label: "income")).1.features == plainData.features)
        let cut = try ImportFixture.file(bytes: Array(packed.dropLast(12)), name: "cut.gz")
        ImportFixture.expectError(.unreadable, file: cut, line: nil, column: nil, message: "cannot decompress the gzip data (it ends too early)") {
            _ = try Importer.fit(format: .csv, data: cut, labels: nil, csv: CSVOptions(label: "income"))
        }
    }

    @Test func delimitersAreDetectedAndTabsWithCRLFReadLikeCommas() throws {
        let (plain, plainData, _) = try ImportFixture.fitCSV(Self.adultLike, CSVOptions(label: "income", detectDelimiter: true))
        #expect(plain.csv?.delimiter == UInt8(ascii: ","))
        for (name, delimiter) in [("tab", UInt8(9)), ("semicolon", UInt8(ascii: ";")), ("pipe", UInt8(ascii: "|"))] {
            var text = Self.adultLike.replacingOccurrences(of: ",", with: String(UnicodeScalar(delimiter)))
            if delimiter == 9 { text = text.replacingOccurrences(of: "\n", with: "\r\n") }
            let (schema, data, _) = try ImportFixture.fitCSV(text, CSVOptions(label: "income", detectDelimiter: true))
            #expect(schema.csv?.delimiter == delimiter, "\(name)")
            #expect(schema.encoders == plain.encoders, "\(name)")
            #expect(data.features == plainData.features, "\(name)")
            #expect(data.notes == ["delimiter: \(name) (detected from the first lines; set it with --delimiter)"])
        }
        // UCI Skin Segmentation: tab-separated, CRLF, no header.
        let skin = "74\t85\t123\t1\r\n73\t84\t122\t1\r\n200\t180\t90\t2\r\n"
        let (schema, data, _) = try ImportFixture.fitCSV(skin, CSVOptions(label: "last", detectDelimiter: true))
        #expect(data.count == 3 && schema.featureCount == 3 && schema.classes == ["1", "2"])
        // A comma inside quotes does not count.
        #expect(Importer.detectDelimiter(UnsafeBufferPointer(start: nil, count: 0), CSVOptions(label: "x"), fallback: 44) == 44)
    }

    @Test func testFilesAreMatchedByHeaderNameInAnyOrder() throws {
        let (schema, _, _) = try ImportFixture.fitCSV(Self.adultLike, CSVOptions(label: "income"))
        let original = try ImportFixture.file(Self.adultLike)
        let shuffled = try ImportFixture.file("""
            income,hours,extra,workclass,age
            <=50K,40,x,State-gov,39
            <=50K,13,y,Self-emp,50
            >50K,40,z,Private,38
            >50K,40,w,Private,53

            """)
        let a = try Importer.apply(schema, data: original, labels: nil, requireLabels: true)
        let b = try Importer.apply(schema, data: shuffled, labels: nil, requireLabels: true)
        #expect(a.features == b.features)
        #expect(a.labels == b.labels)
        #expect(a.notes.isEmpty)
        #expect(b.notes == ["\(shuffled.path): ignored 1 column(s) the model does not use: 'extra'"])
        // Missing columns are named.
        let short = try ImportFixture.file("hours,income\n40,<=50K\n")
        ImportFixture.expectError(.missingColumns, file: short, line: 1, column: nil,
                                  message: "2 column(s) the model was trained on are missing: 'age', 'workclass'",
                                  hint: "Add them (columns are matched by header name, in any order).") {
            _ = try Importer.apply(schema, data: short, labels: nil, requireLabels: true)
        }
        // Evaluation needs the label; prediction does not.
        let unlabelled = try ImportFixture.file("hours,workclass,age\n40,State-gov,39\n")
        ImportFixture.expectError(.missingColumns, file: unlabelled, line: 1, column: nil,
                                  message: "the label column 'income' is missing, and evaluation needs it",
                                  hint: "use 'unlearn predict'") {
            _ = try Importer.apply(schema, data: unlabelled, labels: nil, requireLabels: true)
        }
        let predicted = try Importer.apply(schema, data: unlabelled, labels: nil, requireLabels: false)
        #expect(predicted.features == Array(a.features[0..<schema.featureCount]))
        // Headerless files fall back to position.
        let headless = try ImportFixture.file(Self.adultLike.split(separator: "\n").dropFirst().joined(separator: "\n"))
        #expect(try Importer.apply(schema, data: headless, labels: nil, requireLabels: true).features == a.features)
    }

    @Test func matchColumnsServesAnyNamedInput() throws {
        let (schema, _, _) = try ImportFixture.fitCSV(Self.adultLike, CSVOptions(label: "income"))
        let match = try Importer.matchColumns(["hours", "age", "workclass", "note"], to: schema, requireLabels: false, source: "request")
        #expect(match.positions == [1, 2, 0, nil])
        #expect(match.ignored == ["note"])
        #expect(!match.hasLabel(schema))
        #expect(throws: ImportError.self) {
            try Importer.matchColumns(["hours", "age"], to: schema, requireLabels: false, source: "request")
        }
        do {
            _ = try Importer.matchColumns(["hours", "age", "age", "workclass"], to: schema, requireLabels: false, source: "request")
            Issue.record("a duplicated name must be refused")
        } catch let error as ImportError {
            #expect(error.description == "request: column age: 2 columns are named 'age' (at 1, 2). Give each column a distinct name.")
        }
    }
}
