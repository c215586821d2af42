import Foundation

extension Importer {
    /// A LibSVM file parsed into sparse rows: row r holds pairs `rowStarts[r]..<rowStarts[r+1]`.
    private struct SparseRows {
        var labels: [String] = []          // canonical label per row; empty when the file has none
        var labelLines: [Int] = []
        var rowStarts: [Int] = [0]
        var indices: [Int] = []             // 0-based feature index
        var values: [Float] = []
        var maxIndex = 0                    // largest 1-based index seen
        var count: Int { rowStarts.count - 1 }
    }

    static func fitLibSVM(_ url: URL, maxFeatures: Int) throws -> (FeatureSchema, ImportedData) {
        let path = url.path
        let rows = try parseLibSVM(url, limit: nil, cap: maxFeatures, requireLabels: true)
        guard rows.maxIndex > 0 else {
            throw noData(path, "the file has no features: no line holds an index:value pair")
        }
        try checkDenseSize(rows: rows.count, features: rows.maxIndex, path: path)
        let schema = FeatureSchema(format: .libsvm, csv: nil, columnCount: rows.maxIndex, encoders: [],
                                   classes: sortClasses(Set(rows.labels)), featureCount: rows.maxIndex)
        return (schema, try densify(rows, schema: schema, path: path))
    }

    static func applyLibSVM(_ schema: FeatureSchema, _ url: URL, requireLabels: Bool) throws -> ImportedData {
        let rows = try parseLibSVM(url, limit: schema.featureCount, cap: schema.featureCount, requireLabels: requireLabels)
        return try densify(rows, schema: schema, path: url.path)
    }

    private static func densify(_ rows: SparseRows, schema: FeatureSchema, path: String) throws -> ImportedData {
        let width = schema.featureCount
        let classIndex = Dictionary(uniqueKeysWithValues: schema.classes.enumerated().map { ($0.element, Int32($0.offset)) })
        let labels = try zip(rows.labels, rows.labelLines).map { label, line in
            guard let index = classIndex[label] else {
                throw unknownLabelError(path, line: line, column: nil, label: label, classes: schema.classes)
            }
            return index
        }
        var features = [Float](repeating: 0, count: rows.count * width)
        features.withUnsafeMutableBufferPointer { out in
            for r in 0..<rows.count {
                for k in rows.rowStarts[r]..<rows.rowStarts[r + 1] {
                    out[r * width + rows.indices[k]] = rows.values[k]
                }
            }
        }
        return ImportedData(ids: (0..<rows.count).map { "row-\($0)" },
                            subjects: [String?](repeating: nil, count: rows.count), priors: nil,
                            labels: labels, features: features, count: rows.count)
    }

    /// Parses `label index:value ...` lines; `#` starts a comment, blank lines are skipped.
    ///
    /// - Parameters:
    ///   - limit: the training dimension; a larger index is an error. Nil when training.
    ///   - cap: when training, the largest index accepted (``defaultMaxFeatures`` unless raised).
    private static func parseLibSVM(_ url: URL, limit: Int?, cap: Int, requireLabels: Bool) throws -> SparseRows {
        let path = url.path
        let bytes = try readBytes(url)
        var rows = SparseRows()
        var labelled: Bool?
        try bytes.withUnsafeBufferPointer { buffer in
            guard let p = buffer.baseAddress else { return }
            let end = buffer.count
            var lineStart = 0
            var line = 0
            while lineStart < end {
                line += 1
                var lineEnd = lineStart
                while lineEnd < end && p[lineEnd] != 0x0A { lineEnd += 1 }
                defer { lineStart = lineEnd + 1 }
                var stop = lineStart
                while stop < lineEnd && p[stop] != UInt8(ascii: "#") { stop += 1 }

                // Tokens are separated by spaces and tabs (and a trailing \r).
                var pos = lineStart
                var previous = 0
                var first = true
                var any = false
                while true {
                    while pos < stop && (p[pos] == 0x20 || p[pos] == 0x09 || p[pos] == 0x0D) { pos += 1 }
                    if pos == stop { break }
                    let start = pos
                    var colon = -1
                    while pos < stop && p[pos] != 0x20 && p[pos] != 0x09 && p[pos] != 0x0D {
                        if p[pos] == UInt8(ascii: ":") && colon < 0 { colon = pos }
                        pos += 1
                    }
                    let token = { String(decoding: UnsafeBufferPointer(start: p + start, count: pos - start), as: UTF8.self) }
                    if first {
                        first = false
                        any = true
                        let hasLabel = colon < 0
                        if labelled == nil {
                            labelled = hasLabel
                            if !hasLabel && requireLabels {
                                throw ImportError(.missingValue, file: path, line: line,
                                                  message: "the line starts with '\(token())' instead of a label",
                                                  hint: "Start every line with its label: <label> <index>:<value> ...")
                            }
                        } else if labelled != hasLabel {
                            throw ImportError(.missingValue, file: path, line: line,
                                              message: hasLabel ? "the line has a label but earlier lines have none" : "the line has no label but earlier lines have one",
                                              hint: "Give every line a label, or none.")
                        }
                        if hasLabel {
                            rows.labels.append(canonicalLabel(token()))
                            rows.labelLines.append(line)
                            continue
                        }
                    }
                    // index:value
                    var index = 0
                    var validIndex = colon > start
                    if validIndex {
                        for k in start..<colon {
                            let d = p[k]
                            guard d >= 0x30 && d <= 0x39, index < 1 << 40 else { validIndex = false; break }
                            index = index * 10 + Int(d - 0x30)
                        }
                    }
                    let (kind, value) = colon < 0 ? (FieldKind.text, 0) : parseField(p + colon + 1, pos - colon - 1)
                    guard validIndex, kind == .number || kind == .nonFinite else {
                        throw ImportError(.libsvmPair, file: path, line: line, column: validIndex ? String(index) : nil,
                                          message: "'\(token())' is not an index:value pair",
                                          hint: "Write features as <index>:<value> with a 1-based integer index, e.g. 3:0.5.")
                    }
                    guard kind == .number else {
                        throw ImportError(.nonFinite, file: path, line: line, column: String(index),
                                          message: "'\(token())' holds a value that is not a finite number",
                                          hint: "Replace the value with a number, or leave the pair out for 0.")
                    }
                    guard index > previous else {
                        throw ImportError(.libsvmIndexOrder, file: path, line: line, column: String(index),
                                          message: index == 0 ? "feature index 0: indices start at 1" : "feature index \(index) follows index \(previous)",
                                          hint: "Use 1-based indices in increasing order, each at most once per line.")
                    }
                    if let limit, index > limit {
                        throw ImportError(.libsvmIndexRange, file: path, line: line, column: String(index),
                                          message: "feature index \(index) is beyond the training dimension \(limit)",
                                          hint: "Use the features of the training file; retrain if the data gained features.")
                    }
                    if limit == nil, index > cap {
                        throw ImportError(.libsvmIndexRange, file: path, line: line, column: String(index),
                                          message: "feature index \(index) is above the limit of \(cap) features",
                                          hint: "Check the index for a typo. If the data really has that many features, raise the limit with --max-features N (the dense matrix takes rows × features × 4 bytes).")
                    }
                    // Features are 32-bit floats: a larger magnitude would become infinity.
                    guard abs(value) <= Double(Float.greatestFiniteMagnitude) else {
                        throw ImportError(.nonFinite, file: path, line: line, column: String(index),
                                          message: "'\(token())' is too large for a 32-bit float (|x| ≤ 3.4e38)",
                                          hint: "Rescale the feature, or fix the value.")
                    }
                    previous = index
                    rows.indices.append(index - 1)
                    rows.values.append(Float(value))
                    rows.maxIndex = max(rows.maxIndex, index)
                }
                if any { rows.rowStarts.append(rows.indices.count) }
            }
        }
        guard rows.count > 0 else {
            throw noData(path, bytes.isEmpty ? "the file is empty" : "the file has no data rows, only blank or comment lines")
        }
        return rows
    }

    /// Refuses a dense matrix that would take more than half of this machine's memory, before
    /// allocating it.
    private static func checkDenseSize(rows: Int, features: Int, path: String) throws {
        let (bytes, overflow) = rows.multipliedReportingOverflow(by: features * MemoryLayout<Float>.size)
        let budget = ProcessInfo.processInfo.physicalMemory / 2
        guard overflow || UInt64(bytes) > budget else { return }
        func gigabytes(_ value: Double) -> String { String(format: "%.1f GB", value / 1e9) }
        throw ImportError(.libsvmIndexRange, file: path,
                          message: "the dense feature matrix would need \(overflow ? "more than 9e18 bytes" : gigabytes(Double(bytes))) (\(rows) rows × \(features) features × 4 bytes), more than half of this machine's \(gigabytes(Double(ProcessInfo.processInfo.physicalMemory))) of memory",
                          hint: "Check the largest feature indices for typos, or use fewer rows.")
    }

    /// Labels that are numbers become canonical (`+1`, `1.0` and `1` are all `1`); others are
    /// normalised like CSV labels.
    private static func canonicalLabel(_ raw: String) -> String {
        let text = normalizeLabel(raw)
        guard let value = Double(raw), value.isFinite else { return text }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
