extension Importer {
    /// Whether a CSV file starts with a header, and the header's names.
    struct CSVHeader {
        var present: Bool
        var names: [String]?
        var line: Int?
    }

    /// Decides whether the first record is a header, following `options.header`.
    ///
    /// Auto mode: the first record is a header when none of its fields parse as a number and at
    /// least one field of the second record does.
    static func detectHeader(_ bytes: UnsafeBufferPointer<UInt8>, _ options: CSVOptions, path: String) throws -> CSVHeader {
        var reader = CSVReader(bytes, delimiter: options.delimiter, commentPrefixes: options.commentPrefixes, path: path)
        guard let firstLine = try reader.next() else {
            throw noData(path, bytes.isEmpty ? "the file is empty" : "the file has no data rows, only blank or comment lines")
        }
        let header = CSVHeader(present: true, names: reader.fields.map(reader.string), line: firstLine)
        switch options.header {
        case .present: return header
        case .absent: return CSVHeader(present: false)
        case .auto:
            let hasNumber = { (r: CSVReader) in r.fields.contains { r.number($0).kind == .number } }
            if hasNumber(reader) { return CSVHeader(present: false) }
            guard try reader.next() != nil, hasNumber(reader) else { return CSVHeader(present: false) }
            return header
        }
    }

    static func noData(_ path: String, _ message: String) -> ImportError {
        ImportError(.noData, file: path, message: message,
                    hint: "Check the path; the file needs at least one data row.")
    }

    /// Resolves a `ColumnRef` (header name, 0-based index or `last`) to a column index.
    static func resolveColumn(_ ref: String, header: CSVHeader, count: Int, path: String) throws -> Int {
        let key = trimBlanks(ref)
        if let names = header.names {
            let matches = names.indices.filter { names[$0] == key }
            if matches.count == 1 { return matches[0] }
            if matches.count > 1 {
                throw ImportError(.unknownColumn, file: path, line: header.line, column: ref,
                                  message: "the header names \(matches.count) columns '\(key)' (at \(matches.map(String.init).joined(separator: ", ")))",
                                  hint: "Refer to the column by its 0-based index instead.")
            }
        }
        if key == "last" { return count - 1 }
        if let index = Int(key), index >= 0 {
            guard index < count else {
                throw ImportError(.unknownColumn, file: path, line: header.line, column: ref,
                                  message: "column index \(index) is out of range: rows have \(count) fields",
                                  hint: "Use an index from 0 to \(count - 1), or 'last'.")
            }
            return index
        }
        let known: String
        if let names = header.names {
            let shown = names.prefix(30).map { "'\($0)'" }.joined(separator: ", ")
            known = "the header names " + shown + (names.count > 30 ? ", …" : "")
        } else {
            known = "the file has no header, so use an index from 0 to \(count - 1), or 'last'"
        }
        throw ImportError(.unknownColumn, file: path, line: header.line, column: ref,
                          message: "no column is named '\(key)'",
                          hint: "Use a header name, a 0-based index or 'last'; \(known).")
    }
}
