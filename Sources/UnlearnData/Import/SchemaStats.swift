import Foundation

/// Pre-encoding values of CSV records, as row files keep them: one 64-bit cell per feature
/// column (in `schema.encoders` order), then one for the label.
///
/// A numeric cell is the parsed value's `Double` bit pattern (``missingNumber`` when missing); a
/// categorical cell, and the label's, is the value's keyed hash (``Keyer/value(column:_:)``; 0
/// when missing). A row file's bytes therefore do not depend on the schema: a refitted schema
/// re-encodes the same rows, and a rare value lives only in the rows of the records that carry it.
public enum RawCells {
    /// A quiet NaN: parsed values are always finite, so no value has this pattern.
    public static let missingNumber: UInt64 = 0x7FF8_0000_0000_0A11

    /// Cells per record: the feature columns and the label.
    public static func width(_ schema: FeatureSchema) -> Int { schema.encoders.count + 1 }
}

/// Exact, order-independent sums of one numeric column over records.
///
/// Each value is rounded to a multiple of 2⁻²⁰ (`q = round(x·2²⁰)`) and summed as integers, so
/// the sums over the live records are the same whether they were built from scratch or by
/// subtracting deleted records, in any order. `sumOfSquares` adds `q²/2²⁰` rounded down per value.
public struct NumericSums: Equatable, Sendable {
    public var count = 0
    public var sum: Int128 = 0
    public var sumOfSquares: Int128 = 0

    public init() {}

    static let scale = 1048576.0  // 2^20

    /// One value's terms; nil when they would overflow 128 bits (|x| beyond about 10¹³).
    static func terms(_ x: Double) -> (Int128, Int128)? {
        let scaled = (x * scale).rounded()
        guard abs(scaled) < 0x1p62 else { return nil }
        let q = Int128(scaled)
        return (q, (q * q) >> 20)
    }

    mutating func add(_ x: Double, sign: Int) {
        guard let (q, q2) = Self.terms(x) else { return }
        count += sign
        sum += sign > 0 ? q : -q
        sumOfSquares += sign > 0 ? q2 : -q2
    }

    /// The mean and spread the schema uses: the spread rounded on a log grid of 2^(1/4) (19%
    /// steps), the mean to a multiple of an eighth of that spread. One record moves neither
    /// unless the exact value sits within about its contribution of a grid boundary, so most
    /// deletions leave the schema as it is. A constant (or empty) column gets spread 1.
    public var quantised: (mean: Double, std: Double) {
        guard count > 0 else { return (0, 1) }
        let n = Double(count)
        let mean = Double(sum) / Self.scale / n
        let variance = Double(sumOfSquares) / Self.scale / n - mean * mean
        let std = variance > 1e-12 * max(1, mean * mean) ? 1.0 * exp2((4 * log2(variance.squareRoot())).rounded() / 4) : 1
        let step = std / 8
        return ((mean / step).rounded() * step, std)
    }
}

/// What a schema fitted with a minimum category count depends on, over a set of records: the
/// sums of every numeric column and the count of every categorical value and class (by keyed
/// hash). Computed from row cells, so it is exactly what a from-scratch import of the same
/// records computes; never written to the store (the live row files are its source).
public struct SchemaStats: Equatable, Sendable {
    public var records = 0
    /// Per encoder (numeric ones only).
    public var numeric: [Int: NumericSums] = [:]
    /// Per encoder (categorical ones only): value hash → records carrying it.
    public var categories: [Int: [UInt64: Int]] = [:]
    /// Label hash → records.
    public var classes: [UInt64: Int] = [:]

    public init() {}

    /// Adds (`sign` 1) or removes (`sign` -1) the records of `cells`, (count, width) row-major.
    public mutating func add(_ cells: [UInt64], schema: FeatureSchema, sign: Int = 1) {
        let width = RawCells.width(schema)
        guard width > 1 || !cells.isEmpty else { return }
        let count = cells.count / width
        records += sign * count
        for (e, encoder) in schema.encoders.enumerated() {
            switch encoder {
            case .numeric:
                var sums = numeric[e] ?? NumericSums()
                for r in 0..<count where cells[r * width + e] != RawCells.missingNumber {
                    sums.add(Double(bitPattern: cells[r * width + e]), sign: sign)
                }
                numeric[e] = sums
            case .categorical:
                var counts = categories[e] ?? [:]
                for r in 0..<count where cells[r * width + e] != 0 { counts[cells[r * width + e], default: 0] += sign }
                categories[e] = counts.filter { $0.value != 0 }
            }
        }
        for r in 0..<count { classes[cells[r * width + width - 1], default: 0] += sign }
        classes = classes.filter { $0.value != 0 }
    }
}

extension FeatureSchema {
    /// The schema a from-scratch import of the records behind `stats` would fit: vocabularies
    /// and classes keep the candidates that at least `minCategoryCount` records carry (sorted as
    /// at import), a class "(other)" is added when some record's class is rarer, and numeric
    /// columns take the quantised statistics. Deletions only lower counts, so the current
    /// vocabulary is a complete list of candidates; `init` passes every value it saw.
    ///
    /// - Parameters:
    ///   - stats: the statistics of the live records.
    ///   - keyer: the store's keyer, which hashed the cells.
    ///   - candidates: per categorical encoder, the values that may stay; nil: the encoder's own.
    ///   - candidateClasses: the classes that may stay; nil: the schema's own (without "(other)").
    public func refitted(_ stats: SchemaStats, keyer: Keyer, candidates: [Int: [String]]? = nil, candidateClasses: [String]? = nil) -> FeatureSchema {
        guard let k = minCategoryCount, let labelColumn = roles?.label else { return self }
        var schema = self
        for (e, encoder) in encoders.enumerated() {
            switch encoder {
            case .numeric(let column, let name, _, _):
                let (mean, std) = (stats.numeric[e] ?? NumericSums()).quantised
                schema.encoders[e] = .numeric(column: column, name: name, mean: mean, std: std)
            case .categorical(let column, let name, let vocabulary, _):
                let counts = stats.categories[e] ?? [:]
                let kept = (candidates?[e] ?? vocabulary).filter { counts[keyer.value(column: column, $0)] ?? 0 >= k }
                schema.encoders[e] = .categorical(column: column, name: name, vocabulary: kept.sorted(by: Importer.byteOrder), other: true)
            }
        }
        let given = candidateClasses ?? classes.filter { $0 != Self.otherClass }
        let kept = given.filter { stats.classes[keyer.value(column: labelColumn, $0)] ?? 0 >= k }
        let covered = kept.reduce(0) { $0 + (stats.classes[keyer.value(column: labelColumn, $1)] ?? 0) }
        schema.classes = Importer.sortClasses(Set(kept)) + (covered < stats.records ? [Self.otherClass] : [])
        schema.featureCount = schema.encoders.reduce(0) { $0 + $1.width }
        if var columns = schema.columns {
            for encoder in schema.encoders {
                columns[encoder.column].width = encoder.width
                if case .categorical(_, _, let vocabulary, _) = encoder { columns[encoder.column].categories = vocabulary.count }
            }
            columns[labelColumn].categories = schema.classes.count
            schema.columns = columns
        }
        return schema
    }

    /// Encodes pre-encoding cells, (count, ``RawCells/width(_:)``) row-major, through this
    /// schema: what training and replay read. The same numbers as `Importer.apply` on the
    /// source rows.
    /// - Throws: ``ImportError`` when a label is outside the classes and there is no "(other)"
    ///   (the schema does not belong to these rows).
    public func encode(cells: [UInt64], keyer: Keyer) throws -> (labels: [Int32], features: [Float]) {
        let width = RawCells.width(self)
        let count = cells.count / width
        let d = featureCount
        var features = [Float](repeating: 0, count: count * d)
        var labels = [Int32](repeating: 0, count: count)
        let labelColumn = roles?.label ?? 0
        let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { (keyer.value(column: labelColumn, $0.element), Int32($0.offset)) })
        let other = otherClassIndex.map(Int32.init)
        var offset = 0
        for (e, encoder) in encoders.enumerated() {
            switch encoder {
            case .numeric(_, _, let mean, let std):
                for r in 0..<count where cells[r * width + e] != RawCells.missingNumber {
                    features[r * d + offset] = Float((Double(bitPattern: cells[r * width + e]) - mean) / std)
                }
            case .categorical(let column, _, let vocabulary, _):
                let lookup = Dictionary(uniqueKeysWithValues: vocabulary.enumerated().map { (keyer.value(column: column, $0.element), $0.offset) })
                for r in 0..<count where cells[r * width + e] != 0 {
                    if let slot = encoder.categorySlot(lookup[cells[r * width + e]]) { features[r * d + offset + slot] = 1 }
                }
            }
            offset += encoder.width
        }
        for r in 0..<count {
            guard let index = classIndex[cells[r * width + width - 1]] ?? other else {
                throw ImportError(.unknownLabel, file: "row cells", message: "a row's label is not one of the schema's \(classes.count) classes",
                                  hint: "The store's schema does not match its rows: run 'unlearn doctor'.")
            }
            labels[r] = index
        }
        return (labels, features)
    }
}
