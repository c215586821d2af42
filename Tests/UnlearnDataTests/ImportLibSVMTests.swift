import Foundation
import Testing
import UnlearnData

/// LibSVM import: sparse lines to dense raw features, and every malformed-line error.
@Suite struct ImportLibSVMTests {
    static let train = """
        # a comment line
        +1 1:0.5 3:2
        -1 2:1e1  # trailing comment
        1.0 4:-3

        0 \t
        """

    private func fit(_ text: String) throws -> (FeatureSchema, ImportedData, URL) {
        let url = try ImportFixture.file(text, name: "data.svm")
        let (schema, data) = try Importer.fit(format: .libsvm, data: url, labels: nil, csv: nil)
        return (schema, data, url)
    }

    @Test func roundTripKeepsRawValues() throws {
        let (schema, data, url) = try fit(Self.train)
        #expect(schema.format == .libsvm)
        #expect(schema.columnCount == 4)
        #expect(schema.featureCount == 4)
        #expect(schema.encoders.isEmpty)
        #expect(schema.classes == ["-1", "0", "1"])
        #expect(data.count == 4)
        #expect(data.labels == [2, 0, 2, 1])
        #expect(data.ids == ["row-0", "row-1", "row-2", "row-3"])
        #expect(data.features == [0.5, 0, 2, 0,
                                  0, 10, 0, 0,
                                  0, 0, 0, -3,
                                  0, 0, 0, 0])
        let again = try Importer.apply(schema, data: url, labels: nil, requireLabels: true)
        #expect(again.features == data.features)
        #expect(again.labels == data.labels)
    }

    @Test func predictFilesMayLeaveOutLabels() throws {
        let (schema, _, _) = try fit(Self.train)
        let url = try ImportFixture.file("2:1 4:1\n1:7\n", name: "predict.svm")
        let data = try Importer.apply(schema, data: url, labels: nil, requireLabels: false)
        #expect(data.labels.isEmpty)
        #expect(data.features == [0, 1, 0, 1, 7, 0, 0, 0])
        ImportFixture.expectError(.missingValue, file: url, line: 1, column: nil, message: "starts with '2:1' instead of a label") {
            _ = try Importer.apply(schema, data: url, labels: nil, requireLabels: true)
        }
        let mixed = try ImportFixture.file("1 1:1\n2:1\n", name: "mixed.svm")
        ImportFixture.expectError(.missingValue, file: mixed, line: 2, column: nil, message: "no label but earlier lines have one") {
            _ = try Importer.apply(schema, data: mixed, labels: nil, requireLabels: false)
        }
    }

    @Test(arguments: [("1 1:0.5 3", "'3' is not an index:value pair", nil as String?),
                      ("1 a:1", "'a:1'", nil),
                      ("1 2:x", "'2:x'", "2"),
                      ("1 2:", "'2:'", "2"),
                      ("1 -2:1", "'-2:1'", nil)])
    func malformedPairs(_ line: String, _ message: String, _ column: String?) throws {
        let url = try ImportFixture.file("1 1:1\n\(line)\n", name: "bad.svm")
        ImportFixture.expectError(.libsvmPair, file: url, line: 2, column: column, message: message) {
            _ = try Importer.fit(format: .libsvm, data: url, labels: nil, csv: nil)
        }
    }

    @Test func indicesStartAtOneAndIncrease() throws {
        let zero = try ImportFixture.file("1 1:1\n-1 0:1 2:1\n", name: "zero.svm")
        ImportFixture.expectError(.libsvmIndexOrder, file: zero, line: 2, column: "0", message: "feature index 0: indices start at 1") {
            _ = try Importer.fit(format: .libsvm, data: zero, labels: nil, csv: nil)
        }
        let order = try ImportFixture.file("1 1:1\n# c\n-1 5:1 3:1\n", name: "order.svm")
        ImportFixture.expectError(.libsvmIndexOrder, file: order, line: 3, column: "3", message: "feature index 3 follows index 5") {
            _ = try Importer.fit(format: .libsvm, data: order, labels: nil, csv: nil)
        }
        let twice = try ImportFixture.file("1 2:1 2:1\n", name: "twice.svm")
        ImportFixture.expectError(.libsvmIndexOrder, file: twice, line: 1, column: "2", message: "feature index 2 follows index 2") {
            _ = try Importer.fit(format: .libsvm, data: twice, labels: nil, csv: nil)
        }
    }

    @Test(arguments: ["nan", "-inf", "Infinity"])
    func nonFiniteValues(_ spelling: String) throws {
        let url = try ImportFixture.file("1 1:1\n1 3:\(spelling)\n", name: "nan.svm")
        ImportFixture.expectError(.nonFinite, file: url, line: 2, column: "3", message: "'3:\(spelling)' holds a value that is not a finite number") {
            _ = try Importer.fit(format: .libsvm, data: url, labels: nil, csv: nil)
        }
    }

    @Test func testIndicesBeyondTheTrainingDimension() throws {
        let (schema, _, _) = try fit(Self.train)
        let url = try ImportFixture.file("1 2:1\n1 4:1 5:2\n", name: "test.svm")
        ImportFixture.expectError(.libsvmIndexRange, file: url, line: 2, column: "5", message: "feature index 5 is beyond the training dimension 4") {
            _ = try Importer.apply(schema, data: url, labels: nil, requireLabels: true)
        }
        let unknown = try ImportFixture.file("1 2:1\n7 1:1\n", name: "unknown.svm")
        ImportFixture.expectError(.unknownLabel, file: unknown, line: 2, column: nil, message: "the label '7' is not one of the 3 classes") {
            _ = try Importer.apply(schema, data: unknown, labels: nil, requireLabels: true)
        }
    }

    @Test func emptyAndFeaturelessFiles() throws {
        let empty = try ImportFixture.file("", name: "empty.svm")
        ImportFixture.expectError(.noData, file: empty, line: nil, column: nil, message: "the file is empty") {
            _ = try Importer.fit(format: .libsvm, data: empty, labels: nil, csv: nil)
        }
        let bare = try ImportFixture.file("# nothing\n1\n-1\n", name: "bare.svm")
        ImportFixture.expectError(.noData, file: bare, line: nil, column: nil, message: "no features") {
            _ = try Importer.fit(format: .libsvm, data: bare, labels: nil, csv: nil)
        }
    }
}

/// Bounded input: a huge index or value is refused with the line named, before any allocation.
@Suite struct LibSVMBoundsTests {
    @Test func anIndexNearABillionIsRefusedBeforeAllocating() throws {
        let url = try ImportFixture.file("1 1:0.5\n0 999999999:1\n", name: "typo.svm")
        do {
            _ = try Importer.fit(format: .libsvm, data: url, labels: nil, csv: nil)
            Issue.record("a 10^9 index must be refused")
        } catch let error as ImportError {
            #expect(error.description.contains("typo.svm:2"))
            #expect(error.description.contains("feature index 999999999 is above the limit of 1000000 features"))
            #expect(error.description.contains("--max-features"))
        }
    }

    @Test func theLimitCanBeRaisedAndTheMemoryEstimateStillGuards() throws {
        let url = try ImportFixture.file("1 1:0.5\n0 2000000:1\n", name: "wide.svm")
        let (schema, data) = try Importer.fit(format: .libsvm, data: url, labels: nil, csv: nil, maxFeatures: 3_000_000)
        #expect(schema.featureCount == 2_000_000)
        #expect(data.features.count == 4_000_000)
        // 10^9 rows' worth of width: refused by the memory estimate, not by an allocation failure.
        let huge = try ImportFixture.file("1 1:0.5\n0 900000000000:1\n", name: "huge.svm")
        #expect(throws: ImportError.self) {
            _ = try Importer.fit(format: .libsvm, data: huge, labels: nil, csv: nil, maxFeatures: Int.max)
        }
    }

    @Test(arguments: ["1e39", "-1e308", "3.5e38"])
    func valuesBeyondThirtyTwoBitFloatsAreRefused(value: String) throws {
        let url = try ImportFixture.file("1 1:0.5\n0 1:\(value)\n", name: "big.svm")
        do {
            _ = try Importer.fit(format: .libsvm, data: url, labels: nil, csv: nil)
            Issue.record("\(value) must be refused")
        } catch let error as ImportError {
            #expect(error.description.contains("big.svm:2"))
            #expect(error.description.contains("too large for a 32-bit float"))
        }
        let fine = try ImportFixture.file("1 1:0.5\n0 1:3.4e38\n", name: "fine.svm")
        #expect(try Importer.fit(format: .libsvm, data: fine, labels: nil, csv: nil).1.features.allSatisfy(\.isFinite))
    }
}
