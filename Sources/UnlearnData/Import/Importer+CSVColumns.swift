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
        var reader = CSVReader(bytes, options, path: path)
        guard let firstLine = try reader.next() else {
            throw noData(path, bytes.isEmpty ? "the file is empty" : "the file has no data rows, only blank or comment lines")
        }
        let header = CSVHeader(present: true, names: reader.fields.map(reader.string), line: firstLine)
        switch options.header {
        case .present: return header
        case .absent: return CSVHeader(present: false)
        case .auto:
            // Decimal-comma numbers count too, so the header of such a file is found even
            // without --decimal-comma (and the columns then get the error that suggests it).
            let hasNumber = { (r: CSVReader) in
                r.fields.contains {
                    r.number($0).kind == .number
                        || (!$0.escaped && Importer.parseDecimalComma(r.base + $0.start, $0.count).kind == .number)
                }
            }
            if hasNumber(reader) { return CSVHeader(present: false) }
            guard try reader.next() != nil else {
                throw noData(path, "the file has one row, and it looks like a header (no field is a number): no data rows")
            }
            guard hasNumber(reader) else { return CSVHeader(present: false) }
            return header
        }
    }

    /// Picks the delimiter from the first 20 records: tab, then semicolon, when every line holds
    /// the same non-zero number of them (outside quotes); else comma or pipe, whichever splits
    /// every line the same way into more fields. `fallback` when none does.
    static func detectDelimiter(_ bytes: UnsafeBufferPointer<UInt8>, _ options: CSVOptions, fallback: UInt8) -> UInt8 {
        let candidates: [UInt8] = [9, UInt8(ascii: ";"), UInt8(ascii: ","), UInt8(ascii: "|")]
        var counts = [[Int]](repeating: [], count: candidates.count)
        let comments = options.commentPrefixes.filter { !$0.isEmpty }.map { Array($0.utf8) }
        var start = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
        var lines = 0
        while start < bytes.count && lines < 20 {
            var end = start
            var quoted = false
            var line = [Int](repeating: 0, count: candidates.count)
            while end < bytes.count && (quoted || bytes[end] != 0x0A) {
                let b = bytes[end]
                if b == 0x22 { quoted.toggle() } else if !quoted, let k = candidates.firstIndex(of: b) { line[k] += 1 }
                end += 1
            }
            let text = bytes[start..<end].drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
            let isComment = comments.contains { text.starts(with: $0) }
            if !text.isEmpty && !isComment {
                for k in candidates.indices { counts[k].append(line[k]) }
                lines += 1
            }
            start = end + 1
        }
        func consistent(_ k: Int) -> Int? {
            guard let first = counts[k].first, first > 0, counts[k].allSatisfy({ $0 == first }) else { return nil }
            return first
        }
        if consistent(0) != nil { return candidates[0] }
        if consistent(1) != nil { return candidates[1] }
        let comma = consistent(2) ?? 0
        let pipe = consistent(3) ?? 0
        if comma == 0 && pipe == 0 { return fallback }
        return comma >= pipe ? candidates[2] : candidates[3]
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
