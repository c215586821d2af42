extension Importer {
    /// What the first training pass learns about one feature column.
    struct ColumnProfile {
        /// Declared categorical: values are never parsed as numbers.
        let forced: Bool
        var numbers = 0
        var nonFinite = 0
        var texts = 0
        // Sums of (x - shift), so a constant column gets a variance of exactly 0.
        var shift = 0.0
        var sum = 0.0
        var sumOfSquares = 0.0
        var firstNonFinite: (line: Int, value: String)?
        var firstText: (line: Int, value: String)?
        /// Text values seen (all values when `forced`); completed by a second pass if needed.
        var vocabulary = Set<String>()
        var lastInserted: CSVField?

        init(forced: Bool) { self.forced = forced }

        @inline(__always)
        mutating func observe(_ field: CSVField, _ reader: CSVBytes, line: Int) {
            if reader.isMissing(field) { return }
            if forced { insert(field, reader); return }
            let (kind, value) = reader.number(field)
            switch kind {
            case .number:
                if numbers == 0 { shift = value }
                let d = value - shift
                sum += d
                sumOfSquares += d * d
                numbers += 1
            case .nonFinite:
                nonFinite += 1
                if firstNonFinite == nil { firstNonFinite = (line, reader.string(field)) }
            case .text:
                texts += 1
                if firstText == nil { firstText = (line, reader.string(field)) }
                insert(field, reader)
            case .missing:
                break
            }
        }

        @inline(__always)
        mutating func insert(_ field: CSVField, _ reader: CSVBytes) {
            // Categories repeat in runs; skip hashing when the bytes equal the last insert.
            if let last = lastInserted, reader.sameBytes(last, field) { return }
            vocabulary.insert(reader.string(field))
            lastInserted = field
        }

        /// Values that parse as numbers but belong in the vocabulary of a categorical column.
        var needsVocabularyPass: Bool { !forced && numbers + nonFinite > 0 && isCategorical }

        var isCategorical: Bool {
            if forced { return true }
            let parsed = numbers + nonFinite
            return texts > 0 && Double(parsed) < 0.9 * Double(parsed + texts)
        }

        /// The column's encoder, or the error that stops it being numeric.
        func encoder(column: Int, name: String, path: String) -> Result<ColumnEncoder, ImportError> {
            if isCategorical {
                return .success(.categorical(column: column, name: name, vocabulary: vocabulary.sorted(by: Importer.byteOrder)))
            }
            if let bad = firstText {
                return .failure(ImportError(
                    .notNumeric, file: path, line: bad.line, column: name,
                    message: "'\(bad.value)' is not a number, but \(numbers + nonFinite) of \(numbers + nonFinite + texts) values in this column are",
                    hint: "Fix the value, or declare the column categorical with --categorical \(name)."))
            }
            if let bad = firstNonFinite {
                return .failure(ImportError(
                    .nonFinite, file: path, line: bad.line, column: name,
                    message: "'\(bad.value)' is not a finite number",
                    hint: "Replace it with a number, or with ? to mark it missing."))
            }
            let n = Double(max(numbers, 1))
            let mean = shift + sum / n
            let variance = max(0, (sumOfSquares - sum * sum / n) / n)
            var std = variance.squareRoot()
            if std == 0 || !std.isFinite { std = 1 }
            return .success(.numeric(column: column, name: name, mean: numbers == 0 ? 0 : mean, std: std))
        }
    }
}
