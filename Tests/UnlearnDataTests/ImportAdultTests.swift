import Foundation
import Testing
import UnlearnData

/// UCI Adult: a schema fitted on 2,000 lines of adult.data reads all of adult.test.
@Suite(.enabled(if: ImportFixture.hasRealFile("adult/adult.test") && ImportFixture.hasRealFile("adult/adult.data")))
struct ImportAdultTests {
    static let numericColumns = [0, 2, 4, 10, 11, 12]

    private func fitSubset() throws -> (FeatureSchema, ImportedData) {
        let text = try String(contentsOf: ImportFixture.realFile("adult/adult.data"), encoding: .utf8)
        let subset = text.split(separator: "\n", omittingEmptySubsequences: false).prefix(2000).joined(separator: "\n") + "\n"
        let url = try ImportFixture.file(subset, name: "adult-2000.data")
        return try Importer.fit(format: .csv, data: url, labels: nil, csv: CSVOptions(label: "last"))
    }

    @Test func fitOnASubsetLearnsSixNumericAndEightCategoricalColumns() throws {
        let (schema, data) = try fitSubset()
        #expect(data.count == 2000)
        #expect(schema.columnCount == 15)
        #expect(schema.classes == ["<=50K", ">50K"])
        let numeric = schema.encoders.compactMap { if case .numeric(let c, _, _, _) = $0 { c } else { nil } }
        #expect(numeric == Self.numericColumns)
        #expect(schema.encoders.count == 14)
        #expect(schema.featureCount == schema.encoders.reduce(0) { $0 + $1.width })
        // '?' is a missing value, not a category.
        for encoder in schema.encoders {
            if case .categorical(_, _, let vocabulary, _) = encoder {
                #expect(!vocabulary.contains("?"))
                #expect(vocabulary == vocabulary.sorted())
            }
        }
        // The first row: 39, State-gov, ... <=50K.
        guard case .numeric(0, _, let mean, let std) = schema.encoders[0] else { Issue.record("age"); return }
        #expect(data.features[0] == Float((39 - mean) / std))
        #expect(data.labels.prefix(3) == [0, 0, 0])
    }

    @Test func adultTestReadsThroughTheSchemaDespiteCommentAndDottedLabels() throws {
        let (schema, _) = try fitSubset()
        let test = try Importer.apply(schema, data: ImportFixture.realFile("adult/adult.test"), labels: nil, requireLabels: true)
        #expect(test.count == 16_281)
        #expect(test.features.count == 16_281 * schema.featureCount)
        #expect(test.ids.first == "row-0")
        #expect(test.ids.last == "row-16280")
        // First rows: "25, Private, ... <=50K." and the third "28, Local-gov, ... >50K.".
        #expect(test.labels.prefix(3) == [0, 0, 1])
        let positives = test.labels.filter { $0 == 1 }.count
        #expect(positives == 3_846)  // the documented >50K count of adult.test
        guard case .numeric(0, _, let mean, let std) = schema.encoders[0] else { Issue.record("age"); return }
        #expect(test.features[0] == Float((25 - mean) / std))
        #expect(test.features.allSatisfy { $0.isFinite })
    }
}
