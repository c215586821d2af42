extension Importer {
    /// What the first training pass learns about one feature column.
    struct ColumnProfile {
        /// Declared categorical: values are never parsed as numbers.
        let forced: Bool
        var numbers = 0
        var nonFinite = 0
        var texts = 0
        var missing = 0
        /// Text values that would be numbers with a decimal comma (`3,5`).
        var commaNumbers = 0
        // Sums of (x - shift), so a constant column gets a variance of exactly 0.
        var shift = 0.0
        var sum = 0.0
        var sumOfSquares = 0.0
        var firstNonFinite: (line: Int, value: String)?
        /// The value of largest magnitude and its line, to name it when standardising overflows.
        var largest: (line: Int, value: Double) = (0, 0)
        var firstNumber: (line: Int, value: String)?
        /// The first few distinct text values and their lines, for error messages.
        var textSamples: [(line: Int, value: String)] = []
        /// Text values seen (all values when `forced`).
        var vocabulary = Set<String>()
        var lastInserted: CSVField?

        init(forced: Bool) { self.forced = forced }

        @inline(__always)
        mutating func observe(_ field: CSVField, _ reader: CSVBytes, line: Int) {
            if forced {
                if reader.isMissing(field) { missing += 1 } else { insert(field, reader) }
                return
            }
            let (kind, value) = reader.number(field)
            switch kind {
            case .number:
                if numbers == 0 { shift = value; firstNumber = (line, reader.string(field)) }
                let d = value - shift
                sum += d
                sumOfSquares += d * d
                numbers += 1
                if abs(value) > abs(largest.value) { largest = (line, value) }
            case .nonFinite:
                nonFinite += 1
                if firstNonFinite == nil { firstNonFinite = (line, reader.string(field)) }
            case .text:
                texts += 1
                if let last = lastInserted, reader.sameBytes(last, field) { return }
                let text = reader.string(field)
                if vocabulary.insert(text).inserted {
                    if textSamples.count < 3 { textSamples.append((line, text)) }
                    if !reader.decimalComma && text.contains(","),
                       text.withCString({ Importer.parseDecimalComma(UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self), text.utf8.count) }).kind == .number {
                        commaNumbers += 1
                    }
                }
                lastInserted = field
            case .missing:
                missing += 1
            }
        }

        @inline(__always)
        mutating func insert(_ field: CSVField, _ reader: CSVBytes) {
            // Categories repeat in runs; skip hashing when the bytes equal the last insert.
            if let last = lastInserted, reader.sameBytes(last, field) { return }
            vocabulary.insert(reader.string(field))
            lastInserted = field
        }

        /// The column's encoder, or the error that explains why it cannot be encoded safely.
        ///
        /// A column is numeric when every non-missing value parses, categorical when none does (or
        /// when declared so); a mix is an error, as is a text column whose values are (nearly) all
        /// distinct, or one that holds decimal-comma numbers.
        func encoder(column: Int, name: String, path: String, options: CSVOptions) -> Result<ColumnEncoder, ImportError> {
            if forced {
                return .success(.categorical(column: column, name: name, vocabulary: vocabulary.sorted(by: Importer.byteOrder)))
            }
            let parsed = numbers + nonFinite
            if texts > 0 && parsed > 0 { return .failure(mixedError(name: name, path: path, options: options)) }
            if texts > 0 {
                if commaNumbers == vocabulary.count, let first = textSamples.first {
                    return .failure(ImportError(
                        .notNumeric, file: path, line: first.line, column: name,
                        message: "'\(first.value)' is a number with a decimal comma, and so is every value in this column",
                        hint: "Import with --decimal-comma (fields are then usually separated by ';': --delimiter semicolon), or keep the values as categories with --categorical \(name)."))
                }
                if isIdLike {
                    let shown = textSamples.map { "'\($0.value)'" }.joined(separator: ", ")
                    return .failure(ImportError(
                        .idLike, file: path, column: name,
                        message: "the text column has \(vocabulary.count) distinct values in \(texts) rows (\(shown), …), so it looks like an id or free text; one-hot encoding it would add \(vocabulary.count) features",
                        hint: "Name it with --id \(name) if it identifies records, or leave it out with --drop \(name); --categorical \(name) encodes it anyway."))
                }
                return .success(.categorical(column: column, name: name, vocabulary: vocabulary.sorted(by: Importer.byteOrder)))
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
            // Huge finite values (1e308) overflow the sums, or standardise beyond 32-bit floats:
            // training would diverge to NaN. Refuse them rather than set std to 1 and go on.
            if !mean.isFinite || !sumOfSquares.isFinite || !variance.isFinite
                || abs(largest.value - mean) / (std > 0 ? std : 1) > Double(Float.greatestFiniteMagnitude) {
                return .failure(ImportError(
                    .nonFinite, file: path, line: largest.line, column: name,
                    message: "\(largest.value) is too large to standardise: the column's sums overflow",
                    hint: "Fix the value, rescale the column (other units), or leave it out with --drop \(name)."))
            }
            if std == 0 { std = 1 }
            return .success(.numeric(column: column, name: name, mean: numbers == 0 ? 0 : mean, std: std))
        }

        /// (Nearly) all values distinct: at least 20 values with 90% distinct, or at least 1,000
        /// with half distinct. Such a column one-hot encodes into about one feature per row.
        var isIdLike: Bool {
            let distinct = vocabulary.count
            return (distinct >= 20 && 10 * distinct >= 9 * texts) || (distinct >= 1000 && 2 * distinct >= texts)
        }

        /// A column that holds both numbers and text: name a few text values and the fix that fits.
        private func mixedError(name: String, path: String, options: CSVOptions) -> ImportError {
            let first = textSamples[0]
            let others = textSamples.dropFirst().map { "'\($0.value)' on line \($0.line)" }
            let more = vocabulary.count > textSamples.count ? ", and \(vocabulary.count - textSamples.count) more" : ""
            let also = others.isEmpty ? "" : " (also \(others.joined(separator: ", "))\(more))"
            let parsed = numbers + nonFinite
            let message = "'\(first.value)' is not a number, but \(parsed) of \(parsed + texts) values in this column are\(also)"
            let fix: String
            if commaNumbers == vocabulary.count {
                fix = "The text values are numbers with a decimal comma: import with --decimal-comma (and --delimiter semicolon if ';' separates the fields)."
            } else if vocabulary.count <= 3 && parsed >= texts {
                let markers = (options.missing + vocabulary.sorted(by: Importer.byteOrder)).joined(separator: ",")
                fix = "If \(vocabulary.count == 1 ? "it marks" : "they mark") a missing value, say so with --missing '\(markers)'; otherwise fix the values, declare the column categorical with --categorical \(name), or leave it out with --drop \(name)."
            } else {
                fix = "Fix the values, declare the column categorical with --categorical \(name), or leave it out with --drop \(name)."
            }
            return ImportError(.notNumeric, file: path, line: first.line, column: name, message: message, hint: fix)
        }
    }
}
