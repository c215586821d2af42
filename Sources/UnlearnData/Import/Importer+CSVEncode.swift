import Foundation

extension Importer {
    /// One standardised feature: where it is read and written. Trivial, so loops copy no references.
    private struct NumericSlot {
        let field: Int
        let offset: Int
        let mean: Double
        let std: Double
        let column: Int
        /// The encoder's position: its cell in a row of pre-encoding cells.
        let cell: Int
    }

    /// One one-hot block: where it is read and written, and the last category seen there.
    private struct CategoricalSlot {
        let field: Int
        let offset: Int
        /// The "other" input's position in the block, when the column has one.
        let other: Int?
        let cell: Int
        let column: Int
        var last: CSVField?
        var lastIndex: Int?
        var lastHash: UInt64 = 0
    }

    /// Encodes a CSV file through a schema: the second pass of `fit`, the only pass of `apply`.
    ///
    /// The first data row decides whether the label column is present: rows have either
    /// `columnCount` fields, or (when `requireLabels` is false) one fewer, without the label.
    /// - Parameters:
    ///   - rows: the exact number of data rows when known, to size the feature matrix.
    ///   - keyer: when given, the records come back as pre-encoding cells (``RawCells``) keyed
    ///     with it, and no feature matrix is built.
    static func encodeCSV(
        _ schema: FeatureSchema, _ buffer: UnsafeBufferPointer<UInt8>, path: String,
        requireLabels: Bool, header knownHeader: CSVHeader? = nil, rows: Int? = nil, cellsWith keyer: Keyer? = nil
    ) throws -> ImportedData {
        guard var options = schema.csv, let roles = schema.roles else {
            throw ImportError(.badOptions, file: path, message: "the stored schema has no CSV options",
                              hint: "The store was initialised from another format; import with that format.")
        }
        if knownHeader == nil && options.detectDelimiter {
            // Test and predict files may be split differently from the training file.
            options.delimiter = detectDelimiter(buffer, options, fallback: options.delimiter)
        }
        let header = try knownHeader ?? applyHeader(buffer, options, roles: roles, path: path)
        var reader = CSVReader(buffer, options, path: path)
        if header.present { _ = try reader.next() }
        guard var line = try reader.next() else { throw noData(path, "the file has a header but no data rows") }

        // Columns by header name when both files have one; by position otherwise.
        let match: ColumnMatch
        var notes: [String] = []
        if knownHeader == nil, header.present, roles.matchesByName, let names = header.names {
            match = try matchColumns(names, to: schema, requireLabels: requireLabels, source: path, line: header.line)
            if !match.ignored.isEmpty {
                let shown = match.ignored.prefix(10).map { "'\($0)'" }.joined(separator: ", ") + (match.ignored.count > 10 ? ", …" : "")
                notes.append("\(path): ignored \(match.ignored.count) column(s) the model does not use: \(shown)")
            }
        } else if let byPosition = matchByPosition(fieldCount: reader.fields.count, schema: schema, requireLabels: requireLabels) {
            match = byPosition
        } else {
            let full = schema.columnCount
            let expected = requireLabels ? "\(full)" : "\(full) (or \(full - 1) without the label)"
            throw fieldCountError(path, line: line, expected: expected, found: reader.fields.count, header: header,
                                  extraHint: requireLabels ? "; evaluation needs every training column, the label included" : "")
        }
        // Predictions need no labels: a label column in a predict file is not read.
        let hasLabel = requireLabels && match.hasLabel(schema)
        let fieldCount = match.fieldCount
        let positions = match.positions
        func field(_ column: Int) -> Int { positions[column]! }
        let idColumn = roles.id.flatMap { positions[$0] == nil ? nil : $0 }
        let subjectColumn = roles.subject.flatMap { positions[$0] == nil ? nil : $0 }
        let priorColumn = roles.prior.flatMap { positions[$0] == nil ? nil : $0 }
        let names = roles.names

        var numeric: [NumericSlot] = []
        var categorical: [CategoricalSlot] = []
        var lookups: [[String: Int]] = []  // per categorical slot: category -> position in the block
        var offset = 0
        for (e, encoder) in schema.encoders.enumerated() {
            switch encoder {
            case .numeric(let column, _, let mean, let std):
                numeric.append(NumericSlot(field: field(column), offset: offset, mean: mean, std: std, column: column, cell: e))
            case .categorical(let column, _, let vocabulary, _):
                lookups.append(Dictionary(uniqueKeysWithValues: vocabulary.enumerated().map { ($0.element, $0.offset) }))
                categorical.append(CategoricalSlot(field: field(column), offset: offset, other: encoder.categorySlot(nil), cell: e, column: column))
            }
            offset += encoder.width
        }
        let width = keyer == nil ? schema.featureCount : 0
        let cellWidth = keyer == nil ? 0 : RawCells.width(schema)
        let classIndex = Dictionary(uniqueKeysWithValues: schema.classes.enumerated().map { ($0.element, Int32($0.offset)) })
        let likely = Set(options.priorLikely)
        let otherClass = schema.otherClassIndex.map(Int32.init)

        let capacity = rows ?? lineCount(buffer)
        var features = [Float](repeating: 0, count: capacity * width)
        var cells = [UInt64](repeating: 0, count: capacity * cellWidth)
        var lastLabelHash: UInt64 = 0
        var ids: [String] = []
        ids.reserveCapacity(capacity)
        var idLines: [String: Int] = [:]
        var subjects: [String?] = []
        subjects.reserveCapacity(capacity)
        var priors: [Double] = []
        var labels: [Int32] = []
        labels.reserveCapacity(hasLabel ? capacity : 0)
        var lastLabel: (field: CSVField, index: Int32)?
        var count = 0

        try features.withUnsafeMutableBufferPointer { out in
          try cells.withUnsafeMutableBufferPointer { cellsOut in
            while true {
                let fields = reader.fields
                guard fields.count == fieldCount else {
                    throw fieldCountError(path, line: line, expected: "\(fieldCount)", found: fields.count, header: header)
                }
                // Exactly one of the two is written: encoded features, or cells when keyed.
                let row = keyer == nil ? out.baseAddress! + count * width : nil
                let cellRow = keyer == nil ? nil : cellsOut.baseAddress! + count * cellWidth
                let view = reader.bytes
                for slot in numeric {
                    let (kind, value) = view.number(fields[slot.field])
                    switch kind {
                    case .number:
                        if let cellRow { cellRow[slot.cell] = value.bitPattern } else { row![slot.offset] = Float((value - slot.mean) / slot.std) }
                    case .missing:  // 0 is the training mean
                        if let cellRow { cellRow[slot.cell] = RawCells.missingNumber }
                    case .text:
                        throw ImportError(.notNumeric, file: path, line: line, column: names[slot.column],
                                          message: "'\(reader.string(fields[slot.field]))' is not a number, but the column is numeric",
                                          hint: "Fix the value, or write ? to mark it missing.")
                    case .nonFinite:
                        throw ImportError(.nonFinite, file: path, line: line, column: names[slot.column],
                                          message: "'\(reader.string(fields[slot.field]))' is not a finite number",
                                          hint: "Replace it with a number, or with ? to mark it missing.")
                    }
                }
                for k in categorical.indices {
                    let value = fields[categorical[k].field]
                    let index: Int?
                    if let last = categorical[k].last, view.sameBytes(last, value) {
                        index = categorical[k].lastIndex
                    } else {
                        // A missing value, like an unseen category, encodes as all zeros.
                        let missing = view.isMissing(value)
                        index = missing ? nil : lookups[k][view.string(value)] ?? categorical[k].other
                        categorical[k].last = value
                        categorical[k].lastIndex = index
                        if let keyer { categorical[k].lastHash = missing ? 0 : keyer.value(column: categorical[k].column, view.string(value)) }
                    }
                    if let cellRow {
                        cellRow[categorical[k].cell] = categorical[k].lastHash
                    } else if let index {
                        // A category outside the vocabulary sets "other", or nothing without one.
                        row![categorical[k].offset + index] = 1
                    }
                }
                if hasLabel {
                    let value = fields[field(roles.label)]
                    if let last = lastLabel, view.sameBytes(last.field, value) {
                        labels.append(last.index)
                        cellRow?[cellWidth - 1] = lastLabelHash
                    } else {
                        let label = normalizeLabel(reader.string(value))
                        if label.isEmpty || reader.isMissing(value) {
                            throw missingLabelError(path, line: line, column: names[roles.label])
                        }
                        guard let index = classIndex[label] ?? otherClass else {
                            throw unknownLabelError(path, line: line, column: names[roles.label], label: label, classes: schema.classes)
                        }
                        labels.append(index)
                        lastLabel = (value, index)
                        lastLabelHash = keyer?.value(column: roles.label, label) ?? 0
                        cellRow?[cellWidth - 1] = lastLabelHash
                    }
                }
                if let column = idColumn {
                    let value = fields[field(column)]
                    let id = reader.string(value)
                    if reader.isMissing(value) {
                        throw ImportError(.missingValue, file: path, line: line, column: names[column],
                                          message: "the record id is missing",
                                          hint: "Give every row an id, or leave out --id to number rows.")
                    }
                    if let earlier = idLines.updateValue(line, forKey: id) {
                        throw ImportError(.duplicateId, file: path, line: line, column: names[column],
                                          message: "the id '\(id)' is on line \(earlier) and again on line \(line)",
                                          hint: "Record ids must be unique: fix or remove one of the rows.")
                    }
                    ids.append(id)
                } else {
                    ids.append("row-\(count)")
                }
                if let column = subjectColumn {
                    let value = fields[field(column)]
                    subjects.append(reader.isMissing(value) ? nil : reader.string(value))
                } else {
                    subjects.append(nil)
                }
                if let column = priorColumn {
                    priors.append(try prior(fields[field(column)], reader, likely: likely, path: path, line: line, column: names[column]))
                }
                count += 1
                guard let next = try reader.next() else { break }
                line = next
            }
          }
        }
        if count < capacity {
            features.removeLast((capacity - count) * width)
            cells.removeLast((capacity - count) * cellWidth)
        }
        var data = ImportedData(ids: ids, subjects: subjects, priors: priorColumn == nil ? nil : priors,
                                labels: labels, features: features, count: count, notes: notes)
        if keyer != nil { data.cells = cells }
        return data
    }

    /// Whether a test or predict file starts with a header: as the training options say, and in
    /// auto mode also when the first row has no number and names a training column.
    static func applyHeader(_ buffer: UnsafeBufferPointer<UInt8>, _ options: CSVOptions, roles: CSVColumnRoles, path: String) throws -> CSVHeader {
        var reader = CSVReader(buffer, options, path: path)
        guard let firstLine = try reader.next() else {
            throw noData(path, buffer.isEmpty ? "the file is empty" : "the file has no data rows, only blank or comment lines")
        }
        let names = reader.fields.map { trimBlanks(reader.string($0)) }
        if options.header == .auto && roles.matchesByName
            && !reader.fields.contains(where: { reader.number($0).kind == .number }) && !Set(names).isDisjoint(with: roles.names) {
            guard try reader.next() != nil else { throw noData(path, "the file has a header but no data rows") }
            return CSVHeader(present: true, names: names, line: firstLine)
        }
        return try detectHeader(buffer, options, path: path)
    }

    /// Reads a deletion likelihood: a number in [0, 1], or 1/0 for likely/unlikely categories.
    private static func prior(_ field: CSVField, _ reader: CSVReader, likely: Set<String>, path: String, line: Int, column: String) throws -> Double {
        if !likely.isEmpty { return likely.contains(reader.string(field)) ? 1 : 0 }
        let (kind, value) = reader.number(field)
        guard kind == .number, value >= 0, value <= 1 else {
            let shown = kind == .missing ? "a missing value" : "'\(reader.string(field))'"
            throw ImportError(.badPrior, file: path, line: line, column: column,
                              message: "the deletion likelihood is \(shown), not a number between 0 and 1",
                              hint: "Fix the value, or name the values that mean 'likely' with --prior-likely.")
        }
        return value
    }

    static func unknownLabelError(_ path: String, line: Int?, column: String?, label: String, classes: [String]) -> ImportError {
        let shown = classes.prefix(30).map { "'\($0)'" }.joined(separator: ", ") + (classes.count > 30 ? ", …" : "")
        return ImportError(.unknownLabel, file: path, line: line, column: column,
                           message: "the label '\(label)' is not one of the \(classes.count) classes seen in training (\(shown))",
                           hint: "Fix the label, or retrain on data that includes this class.")
    }

    /// An upper bound on the records of a text file: its newlines plus one.
    static func lineCount(_ buffer: UnsafeBufferPointer<UInt8>) -> Int {
        var count = 1
        for b in buffer where b == 0x0A { count += 1 }
        return count
    }
}
