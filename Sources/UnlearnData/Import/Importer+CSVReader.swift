extension Importer {
    /// One field of a CSV record: a byte range of the file, trimmed and without its quotes.
    struct CSVField {
        var start: Int
        var end: Int
        /// The range still holds `""` pairs standing for one `"` each.
        var escaped: Bool
        var count: Int { end - start }
    }

    /// Missing-value markers of at most 8 bytes each, packed into integers so that the field
    /// view stays trivially copyable (no array references in hot loops).
    struct MissingMarkers {
        private var packed: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        private var lengths: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0)
        private(set) var count = 0
        /// The longest marker's length: longer fields are never missing.
        private(set) var maxLength = 0

        /// The markers; empty ones are skipped (an empty field is always missing), longer than 8
        /// bytes or more than 8 of them are refused by `validate`.
        init(_ markers: [String]) {
            for marker in markers where !marker.isEmpty && marker.utf8.count <= 8 && count < 8 {
                var value: UInt64 = 0
                for (k, b) in marker.utf8.enumerated() { value |= UInt64(b) << (8 * UInt64(k)) }
                withUnsafeMutableBytes(of: &packed) { $0.storeBytes(of: value, toByteOffset: 8 * count, as: UInt64.self) }
                withUnsafeMutableBytes(of: &lengths) { $0[count] = UInt8(marker.utf8.count) }
                count += 1
                maxLength = max(maxLength, marker.utf8.count)
            }
        }

        /// Checks markers before an import: at most 8, each at most 8 bytes.
        static func validate(_ markers: [String], path: String) throws {
            guard markers.count <= 8, markers.allSatisfy({ $0.utf8.count <= 8 }) else {
                throw ImportError(.badOptions, file: path, message: "--missing takes at most 8 markers of at most 8 bytes each",
                                  hint: "Shorten the list of missing-value markers.")
            }
        }

        @inline(__always)
        func matches(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
            if n > maxLength { return false }
            var value: UInt64 = 0
            for k in 0..<n { value |= UInt64(p[k]) << (8 * UInt64(k)) }
            var packed = packed
            var lengths = lengths
            return withUnsafeBytes(of: &packed) { values in
                withUnsafeBytes(of: &lengths) { sizes in
                    for k in 0..<count where Int(sizes[k]) == n && values.load(fromByteOffset: 8 * k, as: UInt64.self) == value {
                        return true
                    }
                    return false
                }
            }
        }
    }

    /// A trivially copyable view of the file's bytes for reading fields in hot loops.
    struct CSVBytes {
        let base: UnsafePointer<UInt8>
        var markers = MissingMarkers(["?"])
        var decimalComma = false

        /// The field's text, with `""` turned back into `"`.
        func string(_ field: CSVField) -> String {
            let bytes = UnsafeBufferPointer(start: base + field.start, count: field.count)
            guard field.escaped else { return String(decoding: bytes, as: UTF8.self) }
            var out: [UInt8] = []
            out.reserveCapacity(field.count)
            var k = 0
            while k < bytes.count {
                out.append(bytes[k])
                k += (bytes[k] == 0x22 && k + 1 < bytes.count && bytes[k + 1] == 0x22) ? 2 : 1
            }
            return String(decoding: out, as: UTF8.self)
        }

        /// Classifies and parses a field as a number; escaped fields are always text.
        @inline(__always)
        func number(_ field: CSVField) -> (kind: FieldKind, value: Double) {
            if field.escaped { return (.text, 0) }
            let result = Importer.parseField(base + field.start, field.count)
            if result.kind == .text {
                if markers.matches(base + field.start, field.count) { return (.missing, 0) }
                if decimalComma { return Importer.parseDecimalComma(base + field.start, field.count) }
            }
            return result
        }

        /// Whether a field is empty or one of the missing-value markers.
        @inline(__always)
        func isMissing(_ field: CSVField) -> Bool {
            field.count == 0 || (!field.escaped && markers.matches(base + field.start, field.count))
        }

        /// Whether two fields hold the same bytes (cheap cache check for repeated categories).
        @inline(__always)
        func sameBytes(_ a: CSVField, _ b: CSVField) -> Bool {
            a.count == b.count && !a.escaped && !b.escaped && Importer.memcmpEqual(base + a.start, base + b.start, a.count)
        }
    }

    /// Splits a CSV file held in memory into records of fields, without copying bytes.
    ///
    /// Blank lines and comment lines are skipped; quoted fields may hold delimiters, `""` and
    /// newlines. The reader does not own the bytes: use it only inside `withUnsafeBufferPointer`.
    struct CSVReader {
        let base: UnsafePointer<UInt8>
        let end: Int
        let delimiter: UInt8
        let comments: [[UInt8]]
        let path: String
        private(set) var position = 0
        /// The 1-based line `position` is on.
        private(set) var line = 1
        /// The fields of the record last returned by `next()`.
        private(set) var fields: [CSVField] = []

        let markers: MissingMarkers
        let decimalComma: Bool

        /// A reader that splits on `options.delimiter` and knows its missing markers and decimal mark.
        init(_ bytes: UnsafeBufferPointer<UInt8>, _ options: CSVOptions, path: String) {
            self.init(bytes, delimiter: options.delimiter, commentPrefixes: options.commentPrefixes, path: path,
                      missing: options.missing, decimalComma: options.decimalComma)
        }

        init(_ bytes: UnsafeBufferPointer<UInt8>, delimiter: UInt8, commentPrefixes: [String], path: String,
             missing: [String] = ["?"], decimalComma: Bool = false) {
            self.markers = MissingMarkers(missing)
            self.decimalComma = decimalComma
            // An empty buffer may have no base address; point at a dummy byte we never read.
            self.base = bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!
            self.end = bytes.count
            self.delimiter = delimiter
            self.comments = commentPrefixes.filter { !$0.isEmpty }.map { Array($0.utf8) }
            self.path = path
            fields.reserveCapacity(64)
            // A UTF-8 byte-order mark is not part of the first field.
            if end >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF { position = 3 }
        }

        @inline(__always)
        private func isBlank(_ b: UInt8) -> Bool {
            (b == 0x20 || b == 0x09) && b != delimiter
        }

        /// Reads the next record into `fields` and returns the line it starts on; nil at the end.
        mutating func next() throws -> Int? {
            let p = base
            while position < end {
                // Skip blank and comment lines.
                var q = position
                while q < end && (isBlank(p[q]) || p[q] == 0x0D) { q += 1 }
                if q == end { position = end; return nil }
                if p[q] == 0x0A { position = q + 1; line += 1; continue }
                if isComment(at: q) {
                    while q < end && p[q] != 0x0A { q += 1 }
                    position = q < end ? q + 1 : end
                    line += 1
                    continue
                }
                let startLine = line
                try readFields()
                return startLine
            }
            return nil
        }

        private func isComment(at q: Int) -> Bool {
            for prefix in comments where q + prefix.count <= end {
                var matches = true
                for (k, b) in prefix.enumerated() where base[q + k] != b { matches = false; break }
                if matches { return true }
            }
            return false
        }

        private mutating func readFields() throws {
            let p = base
            fields.removeAll(keepingCapacity: true)
            var pos = position
            while true {
                while pos < end && isBlank(p[pos]) { pos += 1 }
                if pos < end && p[pos] == 0x22 {
                    let quoteLine = line
                    pos += 1
                    let start = pos
                    var escaped = false
                    while true {
                        guard pos < end else {
                            throw ImportError(.badQuote, file: path, line: quoteLine, column: "\(fields.count)",
                                              message: "a quoted field is never closed",
                                              hint: "Add the closing \" or double any \" inside the field (\"\").")
                        }
                        let b = p[pos]
                        if b == 0x22 {
                            if pos + 1 < end && p[pos + 1] == 0x22 { escaped = true; pos += 2; continue }
                            break
                        }
                        if b == 0x0A { line += 1 }
                        pos += 1
                    }
                    fields.append(CSVField(start: start, end: pos, escaped: escaped))
                    pos += 1
                    while pos < end && (isBlank(p[pos]) || p[pos] == 0x0D) { pos += 1 }
                    if pos < end && p[pos] != delimiter && p[pos] != 0x0A {
                        throw ImportError(.badQuote, file: path, line: line, column: "\(fields.count - 1)",
                                          message: "unexpected text after a closing quote",
                                          hint: "Quote the whole field and double any \" inside it (\"\").")
                    }
                } else {
                    let start = pos
                    while pos < end && p[pos] != delimiter && p[pos] != 0x0A { pos += 1 }
                    var stop = pos
                    while stop > start && (isBlank(p[stop - 1]) || p[stop - 1] == 0x0D) { stop -= 1 }
                    fields.append(CSVField(start: start, end: stop, escaped: false))
                }
                if pos < end && p[pos] == delimiter { pos += 1; continue }
                // End of line or of file.
                if pos < end { pos += 1; line += 1 }
                position = pos
                return
            }
        }

        /// The field accessors, detached from the reader so hot loops copy no references.
        var bytes: CSVBytes { CSVBytes(base: base, markers: markers, decimalComma: decimalComma) }

        func string(_ field: CSVField) -> String { bytes.string(field) }
        func number(_ field: CSVField) -> (kind: FieldKind, value: Double) { bytes.number(field) }
        func isMissing(_ field: CSVField) -> Bool { bytes.isMissing(field) }
        func sameBytes(_ a: CSVField, _ b: CSVField) -> Bool { bytes.sameBytes(a, b) }
    }

    @inline(__always)
    static func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var k = 0
        while k < n { if a[k] != b[k] { return false }; k += 1 }
        return true
    }
}
