import UnlearnCore

/// The records of one slice, in canonical order (import order; deletion preserves it).
public struct SliceRows: Sendable, Equatable {
    public var keys: [RecordKey]
    public var subjects: [RecordKey?]
    /// Encoded labels and features; empty when the rows keep cells.
    public var data: SliceData
    /// Pre-encoding cells (``RawCells``), (count, cellWidth) row-major, for stores whose schema
    /// is refitted to the live records; empty otherwise.
    public var cells: [UInt64] = []
    public var cellWidth = 0

    public init(keys: [RecordKey], subjects: [RecordKey?], data: SliceData) {
        precondition(keys.count == subjects.count && keys.count == data.count)
        self.keys = keys
        self.subjects = subjects
        self.data = data
    }

    public init(keys: [RecordKey], subjects: [RecordKey?], cells: [UInt64], width: Int) {
        precondition(keys.count == subjects.count && keys.count * width == cells.count && width > 0)
        self.keys = keys
        self.subjects = subjects
        self.data = SliceData(labels: [], features: [])
        self.cells = cells
        self.cellWidth = width
    }

    public var count: Int { keys.count }
    public var hasCells: Bool { cellWidth > 0 }

    /// The same rows without the records in `removed`, order preserved.
    public func removing(_ removed: Set<RecordKey>) -> SliceRows {
        let width = count == 0 ? 0 : data.features.count / count
        var kept = self
        kept.keys = []
        kept.subjects = []
        kept.data = SliceData(labels: [], features: [])
        kept.cells = []
        for i in 0..<count where !removed.contains(keys[i]) {
            kept.keys.append(keys[i])
            kept.subjects.append(subjects[i])
            if hasCells {
                kept.cells += cells[(i * cellWidth)..<((i + 1) * cellWidth)]
            } else {
                kept.data.labels.append(data.labels[i])
                kept.data.features += data.features[(i * width)..<((i + 1) * width)]
            }
        }
        return kept
    }
}

/// Row files: `shard-SSS/slice-RRR.g<gen>.rows.zst`.
///
/// Payload: labels (n × i32) and features (n × d × f32), or instead cells (n × w × u64) when
/// `cellWidth` is set, byte-shuffled; then keys (n × 16 bytes) and subjects (n × (1 flag + 16
/// bytes)), not shuffled.
public enum RowsFile {
    public static let kind = "rows"

    public struct Metadata: Codable, Equatable, Sendable {
        public var shard: Int
        public var slice: Int
        public var count: Int
        public var featureCount: Int
        /// Cells per row when the rows keep pre-encoding cells; absent otherwise.
        public var cellWidth: Int?
    }

    public static func encode(_ rows: SliceRows, shard: Int, slice: Int, featureCount: Int) throws -> [UInt8] {
        var payload: [UInt8] = []
        payload.reserveCapacity(rows.count * (rows.hasCells ? 8 * rows.cellWidth + 33 : 4 + 4 * featureCount + 33))
        if rows.hasCells {
            rows.cells.withUnsafeBytes { payload += $0 }
        } else {
            rows.data.labels.withUnsafeBytes { payload += $0 }
            rows.data.features.withUnsafeBytes { payload += $0 }
        }
        let numeric = payload.count
        for key in rows.keys { payload += key.bytes }
        for subject in rows.subjects {
            if let subject {
                payload.append(1)
                payload += subject.bytes
            } else {
                payload += [UInt8](repeating: 0, count: 17)
            }
        }
        let metadata = Metadata(shard: shard, slice: slice, count: rows.count, featureCount: rows.hasCells ? 0 : featureCount,
                                cellWidth: rows.hasCells ? rows.cellWidth : nil)
        return try Container.encode(kind: kind, metadata: metadata, payload: payload, shuffledBytes: numeric)
    }

    public static func decode(_ file: [UInt8], path: String) throws(CorruptFileError) -> (Metadata, SliceRows) {
        let (header, payload) = try Container.decode(file, kind: kind, path: path, as: Metadata.self)
        let m = header.metadata
        let n = m.count, d = m.featureCount
        if let w = m.cellWidth { return (m, try decodeCells(payload, count: n, width: w, path: path)) }
        let (rowBytes, wide) = d.multipliedReportingOverflow(by: 4)
        let (size, overflow) = n.multipliedReportingOverflow(by: rowBytes &+ 4 + 16 + 17)
        guard n >= 0, d >= 0, !wide, rowBytes <= Int.max - 37, !overflow, payload.count == size else {
            throw CorruptFileError(path: path, problem: "its payload size does not match \(n) rows of \(d) features")
        }
        var offset = 0
        let labels = payload.withUnsafeBytes { raw in
            Array(UnsafeBufferPointer(start: (raw.baseAddress! + offset).assumingMemoryBound(to: Int32.self), count: n))
        }
        offset += 4 * n
        let features = [Float](unsafeUninitializedCapacity: n * d) { buffer, initialised in
            payload.withUnsafeBytes { raw in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + 4 * n * d)]))
            }
            initialised = n * d
        }
        offset += 4 * n * d
        let (keys, subjects) = decodeKeys(payload, count: n, at: offset)
        return (m, SliceRows(keys: keys, subjects: subjects, data: SliceData(labels: labels, features: features)))
    }

    private static func decodeCells(_ payload: [UInt8], count n: Int, width w: Int, path: String) throws(CorruptFileError) -> SliceRows {
        let (rowBytes, wide) = w.multipliedReportingOverflow(by: 8)
        let (size, overflow) = n.multipliedReportingOverflow(by: rowBytes &+ 16 + 17)
        guard n >= 0, w >= 1, !wide, rowBytes <= Int.max - 33, !overflow, payload.count == size else {
            throw CorruptFileError(path: path, problem: "its payload size does not match \(n) rows of \(w) cells")
        }
        let cells = [UInt64](unsafeUninitializedCapacity: n * w) { buffer, initialised in
            payload.withUnsafeBytes { raw in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[0..<(8 * n * w)]))
            }
            initialised = n * w
        }
        let (keys, subjects) = decodeKeys(payload, count: n, at: 8 * n * w)
        return SliceRows(keys: keys, subjects: subjects, cells: cells, width: w)
    }

    private static func decodeKeys(_ payload: [UInt8], count n: Int, at start: Int) -> ([RecordKey], [RecordKey?]) {
        var offset = start
        var keys: [RecordKey] = []
        keys.reserveCapacity(n)
        for i in 0..<n { keys.append(RecordKey(bytes: payload[(offset + 16 * i)..<(offset + 16 * i + 16)])) }
        offset += 16 * n
        var subjects: [RecordKey?] = []
        subjects.reserveCapacity(n)
        for i in 0..<n {
            let at = offset + 17 * i
            subjects.append(payload[at] == 1 ? RecordKey(bytes: payload[(at + 1)..<(at + 17)]) : nil)
        }
        return (keys, subjects)
    }
}
