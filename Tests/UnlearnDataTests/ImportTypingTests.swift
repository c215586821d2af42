import Foundation
import Testing
@testable import UnlearnData

/// Issue 11: column types are never guessed silently, id-like and runaway columns are refused,
/// labels must look like classes, and the importer says what it understood.
@Suite struct ImportTypingTests {
    private func fit(_ url: URL, _ options: CSVOptions) throws {
        _ = try Importer.fit(format: .csv, data: url, labels: nil, csv: options)
    }

    @Test(arguments: ["NA", "N/A", "null", "NULL", "?", ""])
    func missingMarkersKeepANumericColumnNumeric(marker: String) throws {
        let text = "elevation,soil,label\n2596,a,1\n\(marker),b,2\n2804,a,1\n2785,\(marker),2\n"
        let (schema, data, _) = try ImportFixture.fitCSV(text, CSVOptions(label: "label"))
        #expect(schema.featureCount == 3)  // 1 numeric + 2 categories, not a one-hot of elevations
        guard case .numeric(0, "elevation", let mean, _) = schema.encoders[0] else {
            Issue.record("elevation should be numeric: \(schema.encoders)")
            return
        }
        #expect(abs(mean - (2596 + 2804 + 2785) / 3.0) < 1e-9)
        #expect(ImportFixture.row(data, 1, schema)[0] == 0)  // missing -> the mean
        #expect(ImportFixture.row(data, 3, schema)[1...2] == [0, 0])  // missing category -> zeros
        #expect(schema.columns?[0] == ColumnSummary(name: "elevation", role: .feature, kind: .numeric, missing: 1, width: 1))
        #expect(schema.columns?[1] == ColumnSummary(name: "soil", role: .feature, kind: .categorical, categories: 2, missing: 1, width: 2))
    }

    @Test func missingSetsTheMarkers() throws {
        let text = "x,label\n1,a\n-,b\n3,a\n"
        let (schema, _, _) = try ImportFixture.fitCSV(text, CSVOptions(label: "label", missing: ["-"]))
        #expect(schema.encoders.count == 1)
        if case .numeric = schema.encoders[0] {} else { Issue.record("x should be numeric") }
        // "NA" is no longer a marker once --missing names others: a text value among numbers.
        let url = try ImportFixture.file("x,label\n1,a\nNA,b\n3,a\n")
        ImportFixture.expectError(.notNumeric, file: url, line: 3, column: "x", message: "'NA' is not a number, but 2 of 3 values in this column are",
                                  hint: "If it marks a missing value, say so with --missing '-,NA'") {
            try fit(url, CSVOptions(label: "label", missing: ["-"]))
        }
        let long = try ImportFixture.file("x,label\n1,a\n")
        ImportFixture.expectError(.badOptions, file: long, line: nil, column: nil, message: "--missing takes at most 8 markers of at most 8 bytes each") {
            try fit(long, CSVOptions(label: "label", missing: ["not-available"]))
        }
    }

    @Test func mixedColumnsAreErrorsWithTheFixThatFits() throws {
        // Mostly text with a few numbers: declare it categorical or drop it.
        let lines = ["code,label"] + (0..<10).map { "c\($0),a" } + ["7,b", "8,a"]
        let url = try ImportFixture.file(lines.joined(separator: "\n"))
        ImportFixture.expectError(.notNumeric, file: url, line: 2, column: "code",
                                  message: "'c0' is not a number, but 2 of 12 values in this column are (also 'c1' on line 3, 'c2' on line 4, and 7 more)",
                                  hint: "Fix the values, declare the column categorical with --categorical code, or leave it out with --drop code.") {
            try fit(url, CSVOptions(header: .present, label: "label"))
        }
        // Decimal commas among plain numbers.
        let comma = try ImportFixture.file("x;label\n1;a\n2,5;b\n3;a\n")
        ImportFixture.expectError(.notNumeric, file: comma, line: 3, column: "x", message: "'2,5' is not a number, but 2 of 3 values in this column are",
                                  hint: "The text values are numbers with a decimal comma: import with --decimal-comma") {
            try fit(comma, CSVOptions(label: "label", detectDelimiter: true))
        }
    }

    @Test func decimalCommaFilesNeedTheFlagAndThenReadLikePointFiles() throws {
        let european = "a;b;label\n1,5;2,25;x\n-3,0;4;y\n2,0;0,5;x\n"
        let url = try ImportFixture.file(european)
        ImportFixture.expectError(.notNumeric, file: url, line: 2, column: "a",
                                  message: "'1,5' is a number with a decimal comma, and so is every value in this column",
                                  hint: "Import with --decimal-comma") {
            try fit(url, CSVOptions(label: "label", detectDelimiter: true))
        }
        let (schema, data, _) = try ImportFixture.fitCSV(european, CSVOptions(label: "label", decimalComma: true, detectDelimiter: true))
        let (plain, plainData, _) = try ImportFixture.fitCSV("a,b,label\n1.5,2.25,x\n-3.0,4,y\n2,0.5,x\n", CSVOptions(label: "label"))
        #expect(schema.encoders == plain.encoders)
        #expect(data.features == plainData.features)
        #expect(schema.csv?.delimiter == UInt8(ascii: ";"))
        let bad = try ImportFixture.file("a,label\n1,x\n")
        ImportFixture.expectError(.badOptions, file: bad, line: nil, column: nil, message: "--decimal-comma needs a delimiter other than the comma") {
            try fit(bad, CSVOptions(label: "label", decimalComma: true))
        }
    }

    @Test func idLikeTextColumnsAreRefused() throws {
        let lines = ["name,x,label"] + (0..<40).map { "person-\($0),\($0 % 7),\($0 % 2 == 0 ? "a" : "b")" }
        let url = try ImportFixture.file(lines.joined(separator: "\n"))
        ImportFixture.expectError(.idLike, file: url, line: nil, column: "name",
                                  message: "the text column has 40 distinct values in 40 rows ('person-0', 'person-1', 'person-2', …), so it looks like an id or free text; one-hot encoding it would add 40 features",
                                  hint: "Name it with --id name if it identifies records, or leave it out with --drop name; --categorical name encodes it anyway.") {
            try fit(url, CSVOptions(label: "label"))
        }
        let (asId, data) = try Importer.fit(format: .csv, data: url, labels: nil, csv: CSVOptions(label: "label", id: "name"))
        #expect(asId.featureCount == 1)
        #expect(data.ids[3] == "person-3")
        let (dropped, _) = try Importer.fit(format: .csv, data: url, labels: nil, csv: CSVOptions(label: "label", drop: ["name"]))
        #expect(dropped.featureCount == 1)
        #expect(dropped.columns?[0] == ColumnSummary(name: "name", role: .dropped, kind: .none))
        #expect(dropped.roles?.dropped == [0])
        let (forced, _) = try Importer.fit(format: .csv, data: url, labels: nil, csv: CSVOptions(label: "label", categorical: ["name"]))
        #expect(forced.featureCount == 41)
    }

    @Test func encodingsThatWouldNotFitInMemoryAreRefused() throws {
        let lines = ["city,x,label"] + (0..<100).map { "c\($0 % 10),\($0),\($0 % 2)" }
        let url = try ImportFixture.file(lines.joined(separator: "\n"))
        ImportFixture.expectError(.tooLarge, file: url, line: nil, column: nil,
                                  message: "the encoded data would need 0 MB (100 rows × 11 features × 4 bytes), more than the 0 MB this machine allows; the widest columns are 'city' (10 categories)",
                                  hint: "Leave out or replace the widest columns (--drop city), or name an id column with --id.") {
            _ = try Importer.fitCSV(url, CSVOptions(label: "label"), memoryBudget: 1000)
        }
        // 22 GB, as a 74k-row file with one id-like column one-hot encoded would need.
        #expect(throws: ImportError.self) {
            try Importer.checkEncodedSize(rows: 74_000, encoders: [.categorical(column: 0, name: "id", vocabulary: (0..<74_000).map(String.init))],
                                          budget: Importer.defaultMemoryBudget, path: "x.csv")
        }
        #expect(Importer.formatBytes(21.9e9) == "21.9 GB")
    }

    @Test func continuousOrHugeLabelsAreRefusedUnlessForced() throws {
        let continuous = try ImportFixture.file((["x,y"] + (0..<50).map { "\($0),\(Double($0) * 0.37)" }).joined(separator: "\n"))
        ImportFixture.expectError(.badLabel, file: continuous, line: nil, column: "y",
                                  message: "the label column looks continuous: 50 distinct numbers (0.0, 0.37, 0.74, …)",
                                  hint: "unlearn trains classifiers: pick the column of classes with --label COL, or pass --classification to treat every value as a class.") {
            try fit(continuous, CSVOptions(label: "y"))
        }
        let many = try ImportFixture.file((["x,y"] + (0..<150).map { "\($0),class-\($0 % 120)" }).joined(separator: "\n"))
        ImportFixture.expectError(.badLabel, file: many, line: nil, column: "y", message: "the label column has 120 classes, more than 100") {
            try fit(many, CSVOptions(label: "y"))
        }
        let (schema, _) = try Importer.fit(format: .csv, data: many, labels: nil, csv: CSVOptions(label: "y", classification: true))
        #expect(schema.classes.count == 120)
        // Integer classes such as digits or Cover_Type are fine.
        let digits = try ImportFixture.file((["x,y"] + (0..<50).map { "\($0),\($0 % 10)" }).joined(separator: "\n"))
        #expect(try Importer.fit(format: .csv, data: digits, labels: nil, csv: CSVOptions(label: "y")).0.classes.count == 10)
    }

    @Test func aHeaderOnlyFileHasNoRecords() throws {
        let url = try ImportFixture.file("age,color,label\n")
        ImportFixture.expectError(.noData, file: url, line: nil, column: nil,
                                  message: "the file has one row, and it looks like a header (no field is a number): no data rows") {
            try fit(url, CSVOptions(label: "label"))
        }
    }

    @Test func summaryShowsEveryColumn() throws {
        let text = "id,age,color,label\na,30,red,yes\nb,NA,blue,no\nc,50,red,yes\nd,60,,no\n"
        let (schema, _, _) = try ImportFixture.fitCSV(text, CSVOptions(label: "label", id: "id", detectDelimiter: true))
        #expect(schema.summaryLines(rows: 4) == [
            "read as: delimiter comma (detected; set it with --delimiter), header row, missing: empty, ? NA N/A null NULL",
            "column  role     type         categories  missing  features",
            "id      id       text                  -        -         0",
            "age     feature  numeric               -    25.0%         1",
            "color   feature  categorical           2    25.0%         2",
            "label   label    categorical           2     0.0%         0",
        ])
        // Stores written before the summary existed decode without it.
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(schema)) as! [String: Any]
        json["columns"] = nil
        var csv = json["csv"] as! [String: Any]
        for key in ["missing", "decimalComma", "drop", "classification", "detectDelimiter"] { csv[key] = nil }
        json["csv"] = csv
        let old = try JSONDecoder().decode(FeatureSchema.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(old.columns == nil)
        #expect(old.csv?.missing == ["?"])
        #expect(old.csv?.detectDelimiter == false)
    }
}
