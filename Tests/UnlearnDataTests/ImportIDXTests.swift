import Foundation
import Testing
import UnlearnData

/// IDX (MNIST) import: tiny files written here, the real t10k files, and every format error.
@Suite struct ImportIDXTests {
    static func images(count: Int, rows: Int, cols: Int, pixels: [UInt8], magic: UInt32 = 0x0803) -> [UInt8] {
        bigEndian(magic) + bigEndian(UInt32(count)) + bigEndian(UInt32(rows)) + bigEndian(UInt32(cols)) + pixels
    }

    static func labels(_ values: [UInt8], count: Int? = nil) -> [UInt8] {
        bigEndian(0x0801) + bigEndian(UInt32(count ?? values.count)) + values
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    /// Three 2x3 images labelled 7, 1, 7.
    static func tinyFiles() throws -> (URL, URL) {
        let pixels: [UInt8] = (0..<18).map { UInt8($0 * 15) }
        let dir = try ImportFixture.makeDirectory()
        let images = dir.appendingPathComponent("tiny-images-idx3-ubyte")
        let labels = dir.appendingPathComponent("tiny-labels-idx1-ubyte")
        try Data(Self.images(count: 3, rows: 2, cols: 3, pixels: pixels)).write(to: images)
        try Data(Self.labels([7, 1, 7])).write(to: labels)
        return (images, labels)
    }

    @Test func tinyFileRoundTrip() throws {
        let (images, labels) = try Self.tinyFiles()
        let (schema, data) = try Importer.fit(format: .idx, data: images, labels: labels, csv: nil)
        #expect(schema.format == .idx)
        #expect(schema.csv == nil)
        #expect(schema.encoders.isEmpty)
        #expect(schema.columnCount == 6)
        #expect(schema.featureCount == 6)
        #expect(schema.classes == ["1", "7"])
        #expect(data.count == 3)
        #expect(data.ids == ["row-0", "row-1", "row-2"])
        #expect(data.labels == [1, 0, 1])
        #expect(data.features == (0..<18).map { Float($0 * 15) / 255 })
        #expect(data.subjects == [nil, nil, nil])

        let again = try Importer.apply(schema, data: images, labels: labels, requireLabels: true)
        #expect(again.features == data.features)
        #expect(again.labels == data.labels)
        let predict = try Importer.apply(schema, data: images, labels: nil, requireLabels: false)
        #expect(predict.labels.isEmpty)
        #expect(predict.count == 3)
    }

    @Test(.enabled(if: ImportFixture.hasRealFile("mnist/t10k-images-idx3-ubyte")))
    func realMNISTTestFile() throws {
        let images = ImportFixture.realFile("mnist/t10k-images-idx3-ubyte")
        let labels = ImportFixture.realFile("mnist/t10k-labels-idx1-ubyte")
        let (schema, data) = try Importer.fit(format: .idx, data: images, labels: labels, csv: nil)
        #expect(data.count == 10_000)
        #expect(schema.featureCount == 784)
        #expect(schema.classes == (0...9).map(String.init))
        #expect(data.labels.prefix(10) == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9])
        let first = data.features.prefix(784)
        #expect(first.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(first.contains(1))
        #expect(first.filter { $0 > 0 }.count > 50)
        #expect(first.prefix(28).allSatisfy { $0 == 0 })  // the top row is background
    }

    @Test func missingLabelsFile() throws {
        let (images, labels) = try Self.tinyFiles()
        ImportFixture.expectError(.missingLabelsFile, file: images, line: nil, column: nil, message: "needs a labels file", hint: "--labels") {
            _ = try Importer.fit(format: .idx, data: images, labels: nil, csv: nil)
        }
        let (schema, _) = try Importer.fit(format: .idx, data: images, labels: labels, csv: nil)
        ImportFixture.expectError(.missingLabelsFile, file: images, line: nil, column: nil, message: "evaluation data needs a labels file") {
            _ = try Importer.apply(schema, data: images, labels: nil, requireLabels: true)
        }
    }

    @Test func wrongMagicNumbers() throws {
        let (images, labels) = try Self.tinyFiles()
        ImportFixture.expectError(.idxFormat, file: labels, line: nil, column: nil,
                                  message: "the magic number is 0x00000801, expected 0x00000803", hint: "This is an IDX labels file") {
            _ = try Importer.fit(format: .idx, data: labels, labels: images, csv: nil)
        }
        // gzip data is now decompressed (issue 11); a damaged gzip file says so.
        let gzip = try ImportFixture.file(bytes: [0x1F, 0x8B, 8, 0] + [UInt8](repeating: 0, count: 20), name: "x.gz")
        ImportFixture.expectError(.unreadable, file: gzip, line: nil, column: nil, message: "cannot decompress the gzip data", hint: ".gz file") {
            _ = try Importer.fit(format: .idx, data: gzip, labels: labels, csv: nil)
        }
    }

    @Test func truncatedAndOversizedFiles() throws {
        let (_, labels) = try Self.tinyFiles()
        let truncated = try ImportFixture.file(bytes: Self.images(count: 3, rows: 2, cols: 3, pixels: [UInt8](repeating: 9, count: 17)), name: "cut")
        ImportFixture.expectError(.idxFormat, file: truncated, line: nil, column: nil,
                                  message: "the file is truncated: its header promises 3 images of 2x3 pixels (18 data bytes) but it holds 17") {
            _ = try Importer.fit(format: .idx, data: truncated, labels: labels, csv: nil)
        }
        let long = try ImportFixture.file(bytes: Self.images(count: 3, rows: 2, cols: 3, pixels: [UInt8](repeating: 9, count: 20)), name: "long")
        ImportFixture.expectError(.idxFormat, file: long, line: nil, column: nil, message: "2 more than its header's 3 images") {
            _ = try Importer.fit(format: .idx, data: long, labels: labels, csv: nil)
        }
        let stub = try ImportFixture.file(bytes: [0, 0, 8], name: "stub")
        ImportFixture.expectError(.idxFormat, file: stub, line: nil, column: nil, message: "shorter than the 16-byte IDX images header") {
            _ = try Importer.fit(format: .idx, data: stub, labels: labels, csv: nil)
        }
        let (images, _) = try Self.tinyFiles()
        let shortLabels = try ImportFixture.file(bytes: Self.labels([7, 1], count: 3), name: "labels")
        ImportFixture.expectError(.idxFormat, file: shortLabels, line: nil, column: nil, message: "3 labels (3 data bytes) but it holds 2") {
            _ = try Importer.fit(format: .idx, data: images, labels: shortLabels, csv: nil)
        }
    }

    @Test func imageAndLabelCountsMustAgree() throws {
        let (images, _) = try Self.tinyFiles()
        let four = try ImportFixture.file(bytes: Self.labels([1, 2, 3, 4]), name: "four-labels")
        ImportFixture.expectError(.idxCountMismatch, file: four, line: nil, column: nil,
                                  message: "the labels file has 4 labels but tiny-images-idx3-ubyte has 3 images") {
            _ = try Importer.fit(format: .idx, data: images, labels: four, csv: nil)
        }
    }

    @Test func applyChecksShapeAndLabels() throws {
        let (images, labels) = try Self.tinyFiles()
        let (schema, _) = try Importer.fit(format: .idx, data: images, labels: labels, csv: nil)
        let wide = try ImportFixture.file(bytes: Self.images(count: 1, rows: 3, cols: 3, pixels: [UInt8](repeating: 0, count: 9)), name: "wide")
        ImportFixture.expectError(.idxShape, file: wide, line: nil, column: nil, message: "images are 3x3 = 9 pixels, but training images had 6") {
            _ = try Importer.apply(schema, data: wide, labels: nil, requireLabels: false)
        }
        let other = try ImportFixture.file(bytes: Self.labels([1, 9, 7]), name: "other-labels")
        ImportFixture.expectError(.unknownLabel, file: other, line: nil, column: nil, message: "record 1: the label '9' is not one of the 2 classes") {
            _ = try Importer.apply(schema, data: images, labels: other, requireLabels: true)
        }
    }
}
