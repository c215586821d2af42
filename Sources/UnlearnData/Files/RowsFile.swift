import UnlearnCore

/// The records of one slice, in canonical order (import order; deletion preserves it).
public struct SliceRows: Sendable, Equatable {
    public var keys: [RecordKey]
    public var subjects: [RecordKey?]
    public var data: SliceData

    public init(keys: [RecordKey], subjects: [RecordKey?], data: SliceData) {
        precondition(keys.count == subjects.count && keys.count == data.count)
        self.keys = keys
        self.subjects = subjects
        self.data = data
    }

    public var count: Int { keys.count }

    /// The same rows without the records in `removed`, order preserved.
    public func removing(_ removed: Set<RecordKey>) -> SliceRows {
        let width = count == 0 ? 0 : data.features.count / count
        var kept = SliceRows(keys: [], subjects: [], data: SliceData(labels: [], features: []))
        for i in 0..<count where !removed.contains(keys[i]) {
            kept.keys.append(keys[i])
            kept.subjects.append(subjects[i])
            kept.data.labels.append(data.labels[i])
            kept.data.features += data.features[(i * width)..<((i + 1) * width)]
        }
        return kept
    }
}

/// Row files: `shard-SSS/slice-RRR.g<gen>.rows.zst`.
///
/// Payload: labels (n × i32) and features (n × d × f32), byte-shuffled; then keys (n × 16 bytes)
/// and subjects (n × (1 flag + 16 bytes)), not shuffled.
public enum RowsFile {
    public static let kind = "rows"

    public struct Metadata: Codable, Equatable, Sendable {
        public var shard: Int
        public var slice: Int
        public var count: Int
        public var featureCount: Int
    }

    public static func encode(_ rows: SliceRows, shard: Int, slice: Int, featureCount: Int) throws -> [UInt8] {
        var payload: [UInt8] = []
        payload.reserveCapacity(rows.count * (4 + 4 * featureCount + 33))
        rows.data.labels.withUnsafeBytes { payload += $0 }
        rows.data.features.withUnsafeBytes { payload += $0 }
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
        let metadata = Metadata(shard: shard, slice: slice, count: rows.count, featureCount: featureCount)
        return try Container.encode(kind: kind, metadata: metadata, payload: payload, shuffledBytes: numeric)
    }

    public static func decode(_ file: [UInt8], path: String) throws(CorruptFileError) -> (Metadata, SliceRows) {
        let (header, payload) = try Container.decode(file, kind: kind, path: path, as: Metadata.self)
        let m = header.metadata
        let n = m.count, d = m.featureCount
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
        return (m, SliceRows(keys: keys, subjects: subjects, data: SliceData(labels: labels, features: features)))
    }
}
