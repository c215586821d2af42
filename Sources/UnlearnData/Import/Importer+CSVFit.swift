import Foundation

extension Importer {
    /// Fits a schema to a CSV training file, then encodes the file through it.
    /// - Parameter keyer: required when `given.minCategoryCount` is set: the store's keyer, which
    ///   hashes categorical values and labels into the cells the rows keep.
    static func fitCSV(_ url: URL, _ given: CSVOptions, keyer: Keyer? = nil, memoryBudget: Int = defaultMemoryBudget) throws -> (FeatureSchema, ImportedData) {
        let path = url.path
        let (bytes, digest) = try readInput(url)
        return try bytes.withUnsafeBufferPointer { buffer in
            let options = try resolveReading(given, buffer, path: path)
            let header = try detectHeader(buffer, options, path: path)
            var reader = CSVReader(buffer, options, path: path)
            if header.present { _ = try reader.next() }

            // The header fixes the field count; without one the first data row does.
            var columnCount = header.names?.count ?? 0
            guard var line = try reader.next() else { throw noData(path, "the file has a header but no data rows") }
            if !header.present { columnCount = reader.fields.count }
            let names = header.names.map { names in
                names.enumerated().map { $0.element.isEmpty ? String($0.offset) : $0.element }
            } ?? (0..<columnCount).map(String.init)

            var roles = try resolveRoles(options, header: header, count: columnCount, names: names, path: path)
            let forced = try Set(options.categorical.map {
                try resolveColumn($0, header: header, count: columnCount, path: path)
            })
            let dropped = try Set(options.drop.map {
                try resolveColumn($0, header: header, count: columnCount, path: path)
            })
            if let column = dropped.first(where: { [roles.label, roles.id, roles.subject, roles.prior].contains($0) }) {
                throw ImportError(.badOptions, file: path, column: names[column],
                                  message: "the column is both dropped and used as the label, id, subject or prior",
                                  hint: "Leave it out of --drop, or pick another column for its role.")
            }
            roles.named = header.present
            roles.dropped = dropped.isEmpty ? nil : dropped.sorted()
            let roleColumns = Set([roles.label, roles.id, roles.subject, roles.prior].compactMap { $0 }).union(dropped)
            let featureColumns = (0..<columnCount).filter { !roleColumns.contains($0) }
            guard !featureColumns.isEmpty else {
                let more = options.detectDelimiter || options.delimiter == UInt8(ascii: ",")
                    ? " Rows have \(columnCount) field(s): if the file uses another delimiter, set it with --delimiter." : ""
                throw ImportError(.badOptions, file: path, message: "no feature columns are left: every column is the label, id, subject, prior or dropped",
                                  hint: "Import a file with at least one feature column." + more)
            }

            // Pass 1: field counts, labels, column kinds and statistics.
            var profiles = featureColumns.map { ColumnProfile(forced: forced.contains($0)) }
            var labels = Set<String>()
            var lastLabel: CSVField?
            var rows = 0
            while true {
                let fields = reader.fields
                guard fields.count == columnCount else {
                    throw fieldCountError(path, line: line, expected: "\(columnCount)", found: fields.count, header: header)
                }
                let labelField = fields[roles.label]
                if lastLabel == nil || !reader.sameBytes(lastLabel!, labelField) {
                    let label = normalizeLabel(reader.string(labelField))
                    if label.isEmpty || reader.isMissing(labelField) {
                        throw missingLabelError(path, line: line, column: names[roles.label])
                    }
                    labels.insert(label)
                    lastLabel = labelField
                }
                let view = reader.bytes
                for k in profiles.indices {
                    profiles[k].observe(fields[featureColumns[k]], view, line: line)
                }
                rows += 1
                guard let next = try reader.next() else { break }
                line = next
            }
            let classes = sortClasses(labels)
            if !options.classification { try checkLabel(classes, column: names[roles.label], path: path) }

            // Kinds and errors; report the earliest offending line.
            var encoders: [ColumnEncoder] = []
            var failures: [ImportError] = []
            for (k, column) in featureColumns.enumerated() {
                switch profiles[k].encoder(column: column, name: names[column], path: path, options: options) {
                case .success(let encoder): encoders.append(encoder)
                case .failure(let error): failures.append(error)
                }
            }
            if let first = failures.min(by: { ($0.line ?? 0) < ($1.line ?? 0) }) { throw first }
            let featureCount = encoders.reduce(0) { $0 + $1.width }
            try checkEncodedSize(rows: rows, encoders: encoders, budget: memoryBudget, path: path)

            var columns = (0..<columnCount).map { ColumnSummary(name: names[$0], role: .dropped, kind: .none) }
            for (k, encoder) in encoders.enumerated() {
                let isNumeric = if case .numeric = encoder { true } else { false }
                columns[encoder.column] = ColumnSummary(
                    name: encoder.name, role: .feature, kind: isNumeric ? .numeric : .categorical,
                    categories: isNumeric ? nil : encoder.width, missing: profiles[k].missing, width: encoder.width)
            }
            columns[roles.label] = ColumnSummary(name: names[roles.label], role: .label, kind: .categorical, categories: classes.count, missing: 0)
            if let id = roles.id { columns[id] = ColumnSummary(name: names[id], role: .id, kind: .text) }
            if let subject = roles.subject { columns[subject] = ColumnSummary(name: names[subject], role: .subject, kind: .text) }
            if let prior = roles.prior {
                columns[prior] = ColumnSummary(name: names[prior], role: .prior, kind: options.priorLikely.isEmpty ? .numeric : .categorical)
            }

            let schema = FeatureSchema(
                format: .csv, csv: options, columnCount: columnCount, encoders: encoders,
                classes: classes, featureCount: featureCount, roles: roles, columns: columns)
            if let k = options.minCategoryCount {
                return try fitLiveSchema(schema, k: k, keyer: keyer, profiles: profiles, buffer, path: path, header: header, rows: rows, digest: digest)
            }
            var data = try encodeCSV(schema, buffer, path: path, requireLabels: true, header: header, rows: rows)
            data.sourceSHA256 = digest
            if options.detectDelimiter { data.notes.append("delimiter: \(delimiterName(options.delimiter)) (detected from the first lines; set it with --delimiter)") }
            return (schema, data)
        }
    }

    /// Fits a schema that holds no individual (``FeatureSchema/minCategoryCount``): reads the
    /// file into pre-encoding cells, computes their ``SchemaStats`` and refits `full` (every
    /// value seen, exact statistics) from them, exactly as a retrain refits it after deletions.
    private static func fitLiveSchema(
        _ full: FeatureSchema, k: Int, keyer: Keyer?, profiles: [ColumnProfile], _ buffer: UnsafeBufferPointer<UInt8>,
        path: String, header: CSVHeader, rows: Int, digest: String
    ) throws -> (FeatureSchema, ImportedData) {
        guard k >= 1 else {
            throw ImportError(.badOptions, file: path, message: "the minimum category count must be at least 1",
                              hint: "Pass --min-category-count 1 or more.")
        }
        // Without a store (benchmarks, a dry fit) the hashes live only in memory: any key will do.
        let keyer = keyer ?? Keyer(secret: Keyer.newSecret())
        if full.classes.contains(FeatureSchema.otherClass) {
            throw ImportError(.badLabel, file: path, column: full.roles?.names[full.roles!.label],
                              message: "a class is named '\(FeatureSchema.otherClass)', the name rare classes share",
                              hint: "Rename that class in the file.")
        }
        for (k, encoder) in full.encoders.enumerated() {
            if case .numeric = encoder, NumericSums.terms(profiles[k].largest.value) == nil {
                throw ImportError(.nonFinite, file: path, line: profiles[k].largest.line, column: encoder.name,
                                  message: "\(profiles[k].largest.value) is too large for the store's exact sums (at most about 4·10¹²)",
                                  hint: "Rescale the column (other units), or leave it out with --drop \(encoder.name).")
            }
        }
        var candidate = full
        candidate.minCategoryCount = k
        candidate.columns = full.columns?.map { var column = $0; column.missing = nil; return column }
        var data = try encodeCSV(candidate, buffer, path: path, requireLabels: true, header: header, rows: rows, cellsWith: keyer)
        var stats = SchemaStats()
        stats.add(data.cells ?? [], schema: candidate)
        let schema = candidate.refitted(stats, keyer: keyer)
        (data.labels, data.features) = try schema.encode(cells: data.cells ?? [], keyer: keyer)
        data.sourceSHA256 = digest
        if full.csv?.detectDelimiter == true { data.notes.append("delimiter: \(delimiterName(full.csv!.delimiter)) (detected from the first lines; set it with --delimiter)") }
        return (schema, data)
    }

    /// Half the machine's memory: the encoded matrix is held about twice while a store is written.
    static var defaultMemoryBudget: Int { Int(min(ProcessInfo.processInfo.physicalMemory / 4, UInt64(Int.max))) }

    /// Checks the options that decide how the file is split, and detects the delimiter if asked.
    static func resolveReading(_ given: CSVOptions, _ buffer: UnsafeBufferPointer<UInt8>, path: String) throws -> CSVOptions {
        var options = given
        try MissingMarkers.validate(options.missing, path: path)
        if options.detectDelimiter {
            options.delimiter = detectDelimiter(buffer, options, fallback: options.delimiter)
        }
        if options.decimalComma && options.delimiter == UInt8(ascii: ",") {
            throw ImportError(.badOptions, file: path, message: "--decimal-comma needs a delimiter other than the comma",
                              hint: "Files with decimal commas separate fields with ';' or tabs: pass --delimiter semicolon or --delimiter tab.")
        }
        return options
    }

    /// Refuses a label that looks continuous or has too many classes: a regression target, or the
    /// wrong column, would otherwise train hundreds of classes without a word.
    static func checkLabel(_ classes: [String], column: String, path: String) throws {
        let hint = "unlearn trains classifiers: pick the column of classes with --label COL, or pass --classification to treat every value as a class."
        let numbers = classes.compactMap { Double($0) }
        if numbers.count == classes.count && classes.count > 2
            && (numbers.contains { $0 != $0.rounded() } || classes.count > 30) {
            let shown = classes.prefix(3).joined(separator: ", ")
            throw ImportError(.badLabel, file: path, column: column,
                              message: "the label column looks continuous: \(classes.count) distinct numbers (\(shown), …)", hint: hint)
        }
        if classes.count > CSVOptions.maxClasses {
            throw ImportError(.badLabel, file: path, column: column,
                              message: "the label column has \(classes.count) classes, more than \(CSVOptions.maxClasses)", hint: hint)
        }
    }

    /// Refuses an encoding whose feature matrix would not fit in `budget` bytes, naming the widest columns.
    static func checkEncodedSize(rows: Int, encoders: [ColumnEncoder], budget: Int, path: String) throws {
        let features = encoders.reduce(0) { $0 + $1.width }
        let bytes = Double(rows) * Double(features) * Double(MemoryLayout<Float>.size)
        guard bytes > Double(budget) else { return }
        let culprits = encoders.filter { $0.width > 1 }.sorted { $0.width > $1.width }.prefix(3)
        let named = culprits.map { "'\($0.name)' (\($0.width) categories)" }.joined(separator: ", ")
        let flags = culprits.map { "--drop \($0.name)" }.joined(separator: " ")
        throw ImportError(.tooLarge, file: path,
                          message: "the encoded data would need \(formatBytes(bytes)) (\(rows) rows × \(features) features × 4 bytes), more than the \(formatBytes(Double(budget))) this machine allows" + (named.isEmpty ? "" : "; the widest columns are \(named)"),
                          hint: named.isEmpty ? "Import fewer rows or columns (--drop COL)." : "Leave out or replace the widest columns (\(flags)), or name an id column with --id.")
    }

    static func formatBytes(_ bytes: Double) -> String {
        bytes >= 1e9 ? String(format: "%.1f GB", bytes / 1e9) : String(format: "%.0f MB", bytes / 1e6)
    }

    /// Resolves the label, id, subject and prior `ColumnRef`s and checks they don't collide.
    private static func resolveRoles(_ options: CSVOptions, header: CSVHeader, count: Int, names: [String], path: String) throws -> CSVColumnRoles {
        func resolve(_ ref: String?) throws -> Int? {
            try ref.map { try resolveColumn($0, header: header, count: count, path: path) }
        }
        guard !options.label.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ImportError(.badOptions, file: path, message: "no label column was given",
                              hint: "Name the label column with --label <col> (a header name, a 0-based index or 'last').")
        }
        let roles = CSVColumnRoles(
            label: try resolve(options.label)!, id: try resolve(options.id), subject: try resolve(options.subject),
            prior: try resolve(options.prior), names: names)
        let uses: [(String, Int?)] = [("id", roles.id), ("subject", roles.subject), ("prior", roles.prior)]
        for (role, column) in uses where column == roles.label {
            throw ImportError(.badOptions, file: path, column: names[roles.label],
                              message: "the label column is also given as the \(role) column",
                              hint: "Pick a different column for --\(role) or for --label.")
        }
        if let prior = roles.prior, prior == roles.id || prior == roles.subject {
            throw ImportError(.badOptions, file: path, column: names[prior],
                              message: "the prior column is also the id or subject column",
                              hint: "--prior must name a column of deletion likelihoods.")
        }
        return roles
    }

    static func fieldCountError(_ path: String, line: Int, expected: String, found: Int, header: CSVHeader, extraHint: String = "") -> ImportError {
        let source = header.present ? "as in the header on line \(header.line ?? 1)" : "as in the first data row"
        return ImportError(.fieldCount, file: path, line: line,
                           message: "expected \(expected) fields (\(source)), found \(found)",
                           hint: "Fix the row; quote fields that contain the delimiter" + extraHint + ".")
    }

    static func missingLabelError(_ path: String, line: Int, column: String) -> ImportError {
        ImportError(.missingValue, file: path, line: line, column: column, message: "the label is missing",
                    hint: "Fill in the label or remove the row.")
    }
}
