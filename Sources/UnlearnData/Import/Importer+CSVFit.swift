import Foundation

extension Importer {
    /// Fits a schema to a CSV training file, then encodes the file through it.
    static func fitCSV(_ url: URL, _ options: CSVOptions) throws -> (FeatureSchema, ImportedData) {
        let path = url.path
        let bytes = try readBytes(url)
        return try bytes.withUnsafeBufferPointer { buffer in
            let header = try detectHeader(buffer, options, path: path)
            var reader = CSVReader(buffer, delimiter: options.delimiter, commentPrefixes: options.commentPrefixes, path: path)
            if header.present { _ = try reader.next() }

            // The header fixes the field count; without one the first data row does.
            var columnCount = header.names?.count ?? 0
            guard var line = try reader.next() else { throw noData(path, "the file has a header but no data rows") }
            if !header.present { columnCount = reader.fields.count }
            let names = header.names.map { names in
                names.enumerated().map { $0.element.isEmpty ? String($0.offset) : $0.element }
            } ?? (0..<columnCount).map(String.init)

            let roles = try resolveRoles(options, header: header, count: columnCount, names: names, path: path)
            let forced = try Set(options.categorical.map {
                try resolveColumn($0, header: header, count: columnCount, path: path)
            })
            let roleColumns = Set([roles.label, roles.id, roles.subject, roles.prior].compactMap { $0 })
            let featureColumns = (0..<columnCount).filter { !roleColumns.contains($0) }
            guard !featureColumns.isEmpty else {
                throw ImportError(.badOptions, file: path, message: "no feature columns are left: every column is the label, id, subject or prior",
                                  hint: "Import a file with at least one feature column.")
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

            // Columns that turned out categorical although some values parse as numbers need
            // those values in their vocabulary too.
            let revisit = profiles.indices.filter { profiles[$0].needsVocabularyPass }
            if !revisit.isEmpty {
                var again = CSVReader(buffer, delimiter: options.delimiter, commentPrefixes: options.commentPrefixes, path: path)
                if header.present { _ = try again.next() }
                while try again.next() != nil {
                    for k in revisit {
                        let field = again.fields[featureColumns[k]]
                        if !again.isMissing(field) { profiles[k].insert(field, again.bytes) }
                    }
                }
            }

            // Kinds and errors; report the earliest offending line.
            var encoders: [ColumnEncoder] = []
            var failures: [ImportError] = []
            for (k, column) in featureColumns.enumerated() {
                switch profiles[k].encoder(column: column, name: names[column], path: path) {
                case .success(let encoder): encoders.append(encoder)
                case .failure(let error): failures.append(error)
                }
            }
            if let first = failures.min(by: { ($0.line ?? 0) < ($1.line ?? 0) }) { throw first }

            let schema = FeatureSchema(
                format: .csv, csv: options, columnCount: columnCount, encoders: encoders,
                classes: sortClasses(labels), featureCount: encoders.reduce(0) { $0 + $1.width }, roles: roles)
            let data = try encodeCSV(schema, buffer, path: path, requireLabels: true, header: header, rows: rows)
            return (schema, data)
        }
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
