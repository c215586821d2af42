import Foundation
import Testing
import UnlearnData

/// Every CSV problem is an `ImportError` with the right file, line, column and a useful message.
@Suite struct ImportCSVErrorTests {
    private func fit(_ url: URL, _ options: CSVOptions) throws {
        _ = try Importer.fit(format: .csv, data: url, labels: nil, csv: options)
    }

    private func schema(_ text: String = "x,c,label\n1,a,p\n2,b,q\n3,a,p\n", _ options: CSVOptions = CSVOptions(label: "label")) throws -> FeatureSchema {
        try ImportFixture.fitCSV(text, options).0
    }

    @Test func wrongFieldCountSaysExpectedAndFound() throws {
        let url = try ImportFixture.file("x,y,label\n1,2,a\n3,b\n4,5,a\n")
        ImportFixture.expectError(.fieldCount, file: url, line: 3, column: nil, message: "expected 3 fields (as in the header on line 1), found 2") {
            try fit(url, CSVOptions(label: "label"))
        }
        let headless = try ImportFixture.file("1,2,a\n3,4,b,c\n")
        ImportFixture.expectError(.fieldCount, file: headless, line: 2, column: nil, message: "expected 3 fields (as in the first data row), found 4") {
            try fit(headless, CSVOptions(label: "last"))
        }
    }

    @Test func evalFileWithoutTheLabelColumnIsAFieldCountError() throws {
        let schema = try schema()
        let url = try ImportFixture.file("1,a\n")
        ImportFixture.expectError(.fieldCount, file: url, line: 1, column: nil, message: "expected 3 fields", hint: "label") {
            _ = try Importer.apply(schema, data: url, labels: nil, requireLabels: true)
        }
        let short = try ImportFixture.file("1\n")
        ImportFixture.expectError(.fieldCount, file: short, line: 1, column: nil, message: "expected 3 (or 2 without the label) fields") {
            _ = try Importer.apply(schema, data: short, labels: nil, requireLabels: false)
        }
    }

    @Test func mostlyNumericColumnWithTextNamesTheFirstBadValue() throws {
        // 19 numbers and 2 texts: 90.5% parse, so the texts are mistakes.
        var lines = ["n,label"] + (1...19).map { "\($0),a" }
        lines.insert("oops,b", at: 5)  // line 6
        lines.append("again,b")
        let url = try ImportFixture.file(lines.joined(separator: "\n"))
        ImportFixture.expectError(.notNumeric, file: url, line: 6, column: "n", message: "'oops' is not a number",
                                  hint: "declare the column categorical with --categorical n") {
            try fit(url, CSVOptions(label: "label"))
        }
        // The earliest offending line wins across columns.
        let two = try ImportFixture.file((["a,b,label"] + (1...9).map { "\($0),\($0),x" } + ["1,zz,x", "yy,1,x"]).joined(separator: "\n"))
        ImportFixture.expectError(.notNumeric, file: two, line: 11, column: "b", message: "'zz'") {
            try fit(two, CSVOptions(label: "label"))
        }
    }

    @Test func textInANumericColumnAtTestTime() throws {
        let schema = try schema()
        let url = try ImportFixture.file("x,c,label\n1,a,p\nabc,a,p\n")
        ImportFixture.expectError(.notNumeric, file: url, line: 3, column: "x", message: "'abc' is not a number") {
            _ = try Importer.apply(schema, data: url, labels: nil, requireLabels: true)
        }
    }

    @Test(arguments: ["nan", "NaN", "-nan", "inf", "-INF", "Infinity", "-infinity", "+Inf", "1e400"])
    func nonFiniteNumbersAreRejected(_ spelling: String) throws {
        let url = try ImportFixture.file("x,label\n1,a\n2,b\n\(spelling),a\n")
        ImportFixture.expectError(.nonFinite, file: url, line: 4, column: "x", message: "'\(spelling)' is not a finite number") {
            try fit(url, CSVOptions(label: "label"))
        }
        let schema = try schema()
        let test = try ImportFixture.file("1,a,p\n\(spelling),b,q\n")
        ImportFixture.expectError(.nonFinite, file: test, line: 2, column: "x", message: "is not a finite number") {
            _ = try Importer.apply(schema, data: test, labels: nil, requireLabels: false)
        }
    }

    @Test func duplicateIdsNameBothLines() throws {
        let url = try ImportFixture.file("id,x,label\nk1,1,a\nk2,2,b\n# note\nk1,3,a\n")
        ImportFixture.expectError(.duplicateId, file: url, line: 5, column: "id", message: "the id 'k1' is on line 2 and again on line 5") {
            try fit(url, CSVOptions(label: "label", id: "id"))
        }
        let missing = try ImportFixture.file("id,x,label\nk1,1,a\n?,2,b\n")
        ImportFixture.expectError(.missingValue, file: missing, line: 3, column: "id", message: "the record id is missing") {
            try fit(missing, CSVOptions(label: "label", id: "id"))
        }
    }

    @Test func unknownLabelAtEvalListsTheKnownClasses() throws {
        let schema = try schema()
        let url = try ImportFixture.file("x,c,label\n1,a,p\n2,b,zebra\n")
        ImportFixture.expectError(.unknownLabel, file: url, line: 3, column: "label",
                                  message: "the label 'zebra' is not one of the 2 classes seen in training ('p', 'q')") {
            _ = try Importer.apply(schema, data: url, labels: nil, requireLabels: true)
        }
    }

    @Test func missingLabelsAreErrors() throws {
        let url = try ImportFixture.file("x,label\n1,a\n2,?\n")
        ImportFixture.expectError(.missingValue, file: url, line: 3, column: "label", message: "the label is missing") {
            try fit(url, CSVOptions(label: "label"))
        }
        let dot = try ImportFixture.file("x,label\n1,a\n2, . \n")
        ImportFixture.expectError(.missingValue, file: dot, line: 3, column: "label", message: "the label is missing") {
            try fit(dot, CSVOptions(label: "label"))
        }
    }

    @Test func emptyFilesAndFilesWithoutDataRows() throws {
        let empty = try ImportFixture.file("")
        ImportFixture.expectError(.noData, file: empty, line: nil, column: nil, message: "the file is empty") {
            try fit(empty, CSVOptions(label: "last"))
        }
        let comments = try ImportFixture.file("# only\n\n| comments\n")
        ImportFixture.expectError(.noData, file: comments, line: nil, column: nil, message: "no data rows") {
            try fit(comments, CSVOptions(label: "last"))
        }
        let headerOnly = try ImportFixture.file("x,label\n")
        ImportFixture.expectError(.noData, file: headerOnly, line: nil, column: nil, message: "a header but no data rows") {
            try fit(headerOnly, CSVOptions(header: .present, label: "label"))
        }
        let schema = try schema()
        ImportFixture.expectError(.noData, file: empty, line: nil, column: nil, message: "the file is empty") {
            _ = try Importer.apply(schema, data: empty, labels: nil, requireLabels: false)
        }
    }

    @Test func unknownColumnReferences() throws {
        let url = try ImportFixture.file("x,label\n1,a\n")
        ImportFixture.expectError(.unknownColumn, file: url, line: 1, column: "Label", message: "no column is named 'Label'", hint: "'x', 'label'") {
            try fit(url, CSVOptions(label: "Label"))
        }
        ImportFixture.expectError(.unknownColumn, file: url, line: 1, column: "7", message: "column index 7 is out of range: rows have 2 fields") {
            try fit(url, CSVOptions(label: "label", categorical: ["7"]))
        }
        let headless = try ImportFixture.file("1,a\n")
        ImportFixture.expectError(.unknownColumn, file: headless, line: nil, column: "id", message: "no column is named 'id'", hint: "no header") {
            try fit(headless, CSVOptions(label: "last", id: "id"))
        }
        let noLabel = try ImportFixture.file("1,a\n")
        ImportFixture.expectError(.badOptions, file: noLabel, line: nil, column: nil, message: "no label column was given") {
            try fit(noLabel, CSVOptions(label: " "))
        }
        ImportFixture.expectError(.badOptions, file: url, line: nil, column: "label", message: "the label column is also given as the id column") {
            try fit(url, CSVOptions(label: "label", id: "last"))
        }
        ImportFixture.expectError(.badOptions, file: url, line: nil, column: nil, message: "no feature columns are left") {
            try fit(url, CSVOptions(label: "label", id: "x"))
        }
    }

    @Test func quotesMustBeClosedAndStandAlone() throws {
        let open = try ImportFixture.file("x,label\n1,a\n2,\"b\n3,c\n")
        ImportFixture.expectError(.badQuote, file: open, line: 3, column: "1", message: "a quoted field is never closed") {
            try fit(open, CSVOptions(label: "label"))
        }
        let trailing = try ImportFixture.file("x,label\n1,\"a\"b\n")
        ImportFixture.expectError(.badQuote, file: trailing, line: 2, column: "1", message: "unexpected text after a closing quote") {
            try fit(trailing, CSVOptions(label: "label"))
        }
    }

    @Test func priorsMustBeLikelihoods() throws {
        let url = try ImportFixture.file("p,x,label\n0.5,1,a\n1.5,2,b\n")
        ImportFixture.expectError(.badPrior, file: url, line: 3, column: "p", message: "'1.5', not a number between 0 and 1") {
            try fit(url, CSVOptions(label: "label", prior: "p"))
        }
        let missing = try ImportFixture.file("p,x,label\n0.5,1,a\n?,2,b\n")
        ImportFixture.expectError(.badPrior, file: missing, line: 3, column: "p", message: "a missing value") {
            try fit(missing, CSVOptions(label: "label", prior: "p"))
        }
    }

    @Test func labelsFilesAndMissingOptionsAreRejected() throws {
        let url = try ImportFixture.file("x,label\n1,a\n")
        let labels = try ImportFixture.file("a\n", name: "labels.txt")
        ImportFixture.expectError(.badOptions, file: labels, line: nil, column: nil, message: "only read for idx data") {
            _ = try Importer.fit(format: .csv, data: url, labels: labels, csv: CSVOptions(label: "label"))
        }
        ImportFixture.expectError(.badOptions, file: url, line: nil, column: nil, message: "needs CSV options") {
            _ = try Importer.fit(format: .csv, data: url, labels: nil, csv: nil)
        }
        let nowhere = URL(fileURLWithPath: "/nonexistent/unlearn/data.csv")
        ImportFixture.expectError(.notFound, file: nowhere, line: nil, column: nil, message: "No such file") {
            try fit(nowhere, CSVOptions(label: "last"))
        }
    }
}

/// A huge finite value (1e308) used to pass import, then train to NaN with exit 0.
@Suite struct CSVBoundsTests {
    @Test(arguments: ["1e308", "-1.7e308", "1e200"])
    func valuesWhoseStandardisationOverflowsAreRefused(value: String) throws {
        let url = try ImportFixture.file("x,label\n1,a\n2,b\n\(value),a\n3,b\n")
        do {
            _ = try Importer.fit(format: .csv, data: url, labels: nil, csv: CSVOptions(header: .present, label: "label"))
            Issue.record("\(value) must be refused")
        } catch let error as ImportError {
            #expect(error.description.contains(":4"), "names the line: \(error)")
            #expect(error.description.contains("column x"))
            #expect(error.description.contains("too large to standardise"))
            #expect(error.description.contains("--drop x"))
        }
    }

    @Test func largeButSafeValuesStandardiseToFiniteFeatures() throws {
        let url = try ImportFixture.file("x,label\n1e30,a\n-2e30,b\n3e29,a\n")
        let (_, data) = try Importer.fit(format: .csv, data: url, labels: nil, csv: CSVOptions(header: .present, label: "label"))
        #expect(data.features.allSatisfy { $0.isFinite })
    }
}
