import Foundation
import Testing
import UnlearnCore
import UnlearnData

/// Round trips of small CSV files through `Importer.fit` and `Importer.apply`.
@Suite struct ImportCSVTests {
    static let withHeader = """
        age,color,score,label
        30,red,1.5,yes
        40,blue,2.5,no
        50,red,3.5,yes
        60,green,4.5,no

        """

    @Test func headerFileLearnsKindsVocabulariesAndClasses() throws {
        let (schema, data, _) = try ImportFixture.fitCSV(Self.withHeader, CSVOptions(label: "label"))
        #expect(schema.format == .csv)
        #expect(schema.columnCount == 4)
        #expect(schema.classes == ["no", "yes"])
        #expect(schema.featureCount == 5)
        #expect(schema.roles?.label == 3)
        #expect(schema.roles?.names == ["age", "color", "score", "label"])
        guard schema.encoders.count == 3,
              case .numeric(0, "age", let ageMean, let ageStd) = schema.encoders[0],
              case .categorical(1, "color", let vocabulary, _) = schema.encoders[1],
              case .numeric(2, "score", let scoreMean, _) = schema.encoders[2] else {
            Issue.record("unexpected encoders \(schema.encoders)")
            return
        }
        #expect(ageMean == 45)
        #expect(abs(ageStd - 125.0.squareRoot()) < 1e-12)  // population std of 30, 40, 50, 60
        #expect(scoreMean == 3)
        #expect(vocabulary == ["blue", "green", "red"])

        #expect(data.count == 4)
        #expect(data.ids == ["row-0", "row-1", "row-2", "row-3"])
        #expect(data.labels == [1, 0, 1, 0])
        #expect(data.subjects == [nil, nil, nil, nil])
        #expect(data.priors == nil)
        #expect(data.features.count == 4 * 5)
        let z = Float(15 / 125.0.squareRoot())
        // Row 1 is age 40, blue, score 2.5: [age, blue, green, red, score].
        let row1 = ImportFixture.row(data, 1, schema)
        #expect(abs(row1[0] + z / 3) < 1e-6)
        #expect(Array(row1[1...3]) == [1, 0, 0])
        #expect(row1[4] < 0)
    }

    @Test func fileWithoutHeaderEncodesLikeTheHeaderFile() throws {
        let (named, namedData, _) = try ImportFixture.fitCSV(Self.withHeader, CSVOptions(label: "label"))
        let headless = Self.withHeader.split(separator: "\n").dropFirst().joined(separator: "\n")
        let (schema, data, _) = try ImportFixture.fitCSV(headless, CSVOptions(label: "last"))
        #expect(schema.encoders.map(\.name) == ["0", "1", "2"])
        #expect(schema.classes == named.classes)
        #expect(data.features == namedData.features)
        #expect(data.labels == namedData.labels)
    }

    @Test func headerModesOverrideAndFollowTheHeuristic() throws {
        // All text: auto sees no header, so the first row is data.
        let text = "a,b,x\nc,d,y\n"
        let (auto, autoData, _) = try ImportFixture.fitCSV(text, CSVOptions(label: "last"))
        #expect(autoData.count == 2)
        #expect(auto.roles?.names == ["0", "1", "2"])
        // Declared present: the first row names the columns.
        let (present, presentData, _) = try ImportFixture.fitCSV(text, CSVOptions(header: .present, label: "x"))
        #expect(presentData.count == 1)
        #expect(present.encoders.map(\.name) == ["a", "b"])
        // Numbers in the first row: never a header in auto mode, the file reads as 2 rows.
        let (_, numeric, _) = try ImportFixture.fitCSV("1,2,x\n3,4,y\n", CSVOptions(label: "last"))
        #expect(numeric.count == 2)
        // Declared absent: a text first row is data even when the second row has numbers.
        // (Its columns then mix text and numbers, so they must be declared categorical.)
        let (_, absent, _) = try ImportFixture.fitCSV("h1,h2,x\n3,4,y\n", CSVOptions(header: .absent, label: "last", categorical: ["0", "1"]))
        #expect(absent.count == 2)
    }

    @Test func quotedFieldsKeepDelimitersEscapedQuotesAndNewlines() throws {
        let text = #"""
            id,city,n,label
            "r1","Paris, France",1,a
            "r2","say ""hi""",2,b
            "r3","two
            lines",3,a
            r4,  "Paris, France"  ,4,b

            """#
        let (schema, data, _) = try ImportFixture.fitCSV(text, CSVOptions(label: "label", id: "id"))
        #expect(data.ids == ["r1", "r2", "r3", "r4"])
        guard case .categorical(1, "city", let vocabulary, _) = schema.encoders.first else {
            Issue.record("city should be categorical: \(schema.encoders)")
            return
        }
        #expect(vocabulary == ["Paris, France", "say \"hi\"", "two\nlines"])
        #expect(ImportFixture.row(data, 3, schema)[0...2] == [1, 0, 0])

        // Line numbers count the physical lines of a multi-line field.
        let bad = text.replacingOccurrences(of: "r4,", with: "r4,extra,")
        let badURL = try ImportFixture.file(bad)
        ImportFixture.expectError(.fieldCount, file: badURL, line: 6, column: nil, message: "expected 4 fields") {
            _ = try Importer.fit(format: .csv, data: badURL, labels: nil, csv: CSVOptions(label: "label", id: "id"))
        }
    }

    @Test func standardisedColumnsHaveMeanZeroAndStdOne() throws {
        var generator = SplitMix64(seed: 7)
        var lines = ["x,y,label"]
        var xs: [Double] = []
        for k in 0..<300 {
            let x = Double(generator.next() % 100_000) / 100 - 250
            xs.append(x)
            lines.append("\(x),\(Double(k) * 1e6),c\(k % 3)")
        }
        let (schema, data, _) = try ImportFixture.fitCSV(lines.joined(separator: "\n"), CSVOptions(label: "label"))
        let mean = xs.reduce(0, +) / 300
        let std = (xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 300).squareRoot()
        guard case .numeric(_, _, let fittedMean, let fittedStd) = schema.encoders[0] else {
            Issue.record("x should be numeric")
            return
        }
        #expect(abs(fittedMean - mean) < 1e-9)
        #expect(abs(fittedStd - std) < 1e-9)
        for column in 0..<2 {
            let values = (0..<data.count).map { Double(data.features[$0 * schema.featureCount + column]) }
            let m = values.reduce(0, +) / Double(values.count)
            let s = (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count)).squareRoot()
            #expect(abs(m) < 1e-5)
            #expect(abs(s - 1) < 1e-5)
        }
        #expect(schema.classes == ["c0", "c1", "c2"])
    }

    @Test func missingValuesEncodeAsZeroAndStayOutOfStatistics() throws {
        let text = "n,k,label\n1,a,x\n?,?,y\n3,,x\n,b,y\n5,a,x\n"
        let (schema, data, _) = try ImportFixture.fitCSV(text, CSVOptions(header: .present, label: "label"))
        guard case .numeric(0, "n", let mean, let std) = schema.encoders[0],
              case .categorical(1, "k", let vocabulary, _) = schema.encoders[1] else {
            Issue.record("unexpected encoders \(schema.encoders)")
            return
        }
        #expect(mean == 3)
        #expect(abs(std - (8.0 / 3).squareRoot()) < 1e-12)
        #expect(vocabulary == ["a", "b"])
        #expect(ImportFixture.row(data, 1, schema) == [0, 0, 0])  // ? and ? -> mean and no category
        #expect(ImportFixture.row(data, 2, schema) == [0, 0, 0])  // 3 is the mean; empty category
        #expect(ImportFixture.row(data, 3, schema)[1...2] == [0, 1])
    }

    @Test func applyEncodesThroughTheTrainingSchema() throws {
        let (schema, _, _) = try ImportFixture.fitCSV(Self.withHeader, CSVOptions(label: "label"))
        // Unseen category "purple" -> zeros; labels matched with one trailing "." removed.
        let test = try ImportFixture.file("age,color,score,label\n45,purple,3,yes.\n30,red,1.5,no\n")
        let data = try Importer.apply(schema, data: test, labels: nil, requireLabels: true)
        #expect(data.count == 2)
        #expect(data.labels == [1, 0])
        #expect(ImportFixture.row(data, 0, schema) == [0, 0, 0, 0, 0])
        #expect(ImportFixture.row(data, 1, schema)[1...3] == [0, 0, 1])

        // Predict files may leave out the label column; the features are the same.
        let unlabelled = try ImportFixture.file("age,color,score\n45,purple,3\n30,red,1.5\n")
        let predict = try Importer.apply(schema, data: unlabelled, labels: nil, requireLabels: false)
        #expect(predict.labels.isEmpty)
        #expect(predict.features == data.features)
        #expect(predict.ids == ["row-0", "row-1"])
        // ... or keep it: predictions do not read it (issue 11: predict never rejects labels it does not need).
        let kept = try Importer.apply(schema, data: test, labels: nil, requireLabels: false)
        #expect(kept.labels.isEmpty)
        #expect(kept.features == data.features)
        let oddLabels = try ImportFixture.file("age,color,score,label\n45,purple,3,never-seen\n30,red,1.5,\n")
        #expect(try Importer.apply(schema, data: oddLabels, labels: nil, requireLabels: false).features == data.features)
    }

    @Test func labelColumnInTheMiddleShiftsColumnsWhenLeftOut() throws {
        let (schema, train, _) = try ImportFixture.fitCSV("a,label,b\n1,x,10\n2,y,20\n3,x,30\n", CSVOptions(label: "label"))
        let url = try ImportFixture.file("1,10\n2,20\n3,30\n")
        let predict = try Importer.apply(schema, data: url, labels: nil, requireLabels: false)
        #expect(predict.features == train.features)
    }

    @Test func idSubjectAndPriorColumnsAreNotFeatures() throws {
        let text = """
            id,person,p,v,label
            a1,alice,0.9,1,x
            a2,?,0,2,y
            a3,bob,0.25,3,x

            """
        let (schema, data, _) = try ImportFixture.fitCSV(text, CSVOptions(label: "label", id: "id", subject: "person", prior: "p"))
        #expect(schema.encoders.map(\.name) == ["v"])
        #expect(schema.featureCount == 1)
        #expect(schema.roles == CSVColumnRoles(label: 4, id: 0, subject: 1, prior: 2, names: ["id", "person", "p", "v", "label"], named: true))
        #expect(data.ids == ["a1", "a2", "a3"])
        #expect(data.subjects == ["alice", nil, "bob"])
        #expect(data.priors == [0.9, 0, 0.25])

        // A categorical prior: the listed values mean 1, the others 0.
        let categorical = "id,risk,v,label\na,high,1,x\nb,low,2,y\nc,medium,3,x\n"
        let (_, likely, _) = try ImportFixture.fitCSV(categorical, CSVOptions(label: "label", id: "0", prior: "risk", priorLikely: ["high", "medium"]))
        #expect(likely.priors == [1, 0, 1])
    }

    @Test func commentsBlankLinesCRLFAndByteOrderMarkAreSkipped() throws {
        let text = "\u{FEFF}# a comment\r\nx,label\r\n\r\n1,a\r\n   \r\n| another\r\n2,b\r\n3,a"
        let (schema, data, _) = try ImportFixture.fitCSV(text, CSVOptions(label: "label"))
        #expect(data.count == 3)
        #expect(schema.encoders.map(\.name) == ["x"])
        #expect(schema.classes == ["a", "b"])
        // No comment prefixes: a "#" line is data.
        let (_, all, _) = try ImportFixture.fitCSV("#1,a\n2,b\n", CSVOptions(header: .absent, label: "last", categorical: ["0"], commentPrefixes: []))
        #expect(all.count == 2)
    }

    @Test func otherDelimitersAndTabTrimming() throws {
        let (schema, data, _) = try ImportFixture.fitCSV("x;c;label\n 1 ;\tu\t;a\n2;v;b\n", CSVOptions(delimiter: UInt8(ascii: ";"), label: "label"))
        #expect(schema.encoders.map(\.name) == ["x", "c"])
        guard case .categorical(_, _, let vocabulary, _) = schema.encoders[1] else { Issue.record("c is categorical"); return }
        #expect(vocabulary == ["u", "v"])
        #expect(data.features[0] == -1)  // x = 1 of {1, 2}: mean 1.5, std 0.5
        // Tab-separated: an empty field between two tabs stays a field.
        let (_, tsv, _) = try ImportFixture.fitCSV("1\t\ta\n2\t5\tb\n", CSVOptions(delimiter: 9, label: "last"))
        #expect(tsv.count == 2)
        #expect(tsv.features[0] == -1 && tsv.features[1] == 0)  // field 1 of row 0 is missing
    }

    @Test func declaredAndMostlyTextColumnsAreCategorical() throws {
        // Declared categorical: numbers become categories, sorted by bytes.
        let (forced, _, _) = try ImportFixture.fitCSV("1,a\n2,b\n10,a\n", CSVOptions(label: "last", categorical: ["0"]))
        #expect(forced.encoders == [.categorical(column: 0, name: "0", vocabulary: ["1", "10", "2"])])
        // Numbers mixed with text: an error (issue 11: no silent guess), unless declared categorical.
        let url = try ImportFixture.file("1,a\nx,b\ny,a\n2,b\n")
        ImportFixture.expectError(.notNumeric, file: url, line: 2, column: "0",
                                  message: "'x' is not a number, but 2 of 4 values in this column are (also 'y' on line 3)",
                                  hint: "--missing '?,NA,N/A,null,NULL,x,y'; otherwise fix the values, declare the column categorical with --categorical 0, or leave it out with --drop 0.") {
            _ = try Importer.fit(format: .csv, data: url, labels: nil, csv: CSVOptions(label: "last"))
        }
        let (mixed, data, _) = try ImportFixture.fitCSV("1,a\nx,b\ny,a\n2,b\n", CSVOptions(label: "last", categorical: ["0"]))
        #expect(mixed.encoders == [.categorical(column: 0, name: "0", vocabulary: ["1", "2", "x", "y"])])
        #expect(ImportFixture.row(data, 3, mixed) == [0, 1, 0, 0])
    }

    @Test func numericLabelsSortAsNumbersAndDottedLabelsMerge() throws {
        let (schema, data, _) = try ImportFixture.fitCSV("1,10\n2,2\n3,1.\n4,1\n", CSVOptions(label: "last"))
        #expect(schema.classes == ["1", "2", "10"])
        #expect(data.labels == [2, 1, 0, 0])
    }

    @Test func zstdCompressedFilesReadLikePlainOnes() throws {
        let (plain, plainData, _) = try ImportFixture.fitCSV(Self.withHeader, CSVOptions(label: "label"))
        let packed = try ImportFixture.file(bytes: try Codec.compress(Array(Self.withHeader.utf8)), name: "data.csv.zst")
        let (schema, data) = try Importer.fit(format: .csv, data: packed, labels: nil, csv: CSVOptions(label: "label"))
        #expect(schema == plain)
        #expect(data.features == plainData.features)
        let cut = try ImportFixture.file(bytes: Array(try Codec.compress(Array(Self.withHeader.utf8)).dropLast(4)), name: "cut.csv.zst")
        ImportFixture.expectError(.unreadable, file: cut, line: nil, column: nil, message: "cannot decompress the file") {
            _ = try Importer.apply(schema, data: cut, labels: nil, requireLabels: true)
        }
    }

    @Test func schemaSurvivesJSON() throws {
        let (schema, _, _) = try ImportFixture.fitCSV(Self.withHeader, CSVOptions(label: "label", categorical: ["score"]))
        let json = try JSONEncoder().encode(schema)
        #expect(try JSONDecoder().decode(FeatureSchema.self, from: json) == schema)
    }
}

