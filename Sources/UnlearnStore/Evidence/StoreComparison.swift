import Foundation
import UnlearnCore
import UnlearnData

/// One way two stores differ, named by file, shard and slice; never by a raw record id.
public struct StoreDifference: Sendable, Codable, Equatable, CustomStringConvertible {
    /// The store's file (`store.json`, or a row or checkpoint file's path in the store).
    public var file: String
    public var shard: Int?
    public var slice: Int?
    public var what: String

    public var description: String {
        let place = shard.map { s in " (shard \(s)" + (slice.map { ", slice \($0)" } ?? "") + ")" } ?? ""
        return "\(file)\(place): \(what)"
    }
}

extension Store {
    /// Compares this store's schema and every live file's decoded payload with `other`'s: row
    /// files row by row (keyed ids, subjects, labels, features) and checkpoints parameter by
    /// parameter with their lineage. Container headers are not compared (they hold sizes and
    /// codecs, and file names hold generations). Also checks this store's files against its manifest.
    /// - Parameter schema: compare `store.json`'s fitted schema too.
    /// - Returns: the differences in store order (empty when the stores are equal).
    public func differences(from other: Store, schema: Bool = true) throws -> [StoreDifference] {
        var found: [StoreDifference] = []
        if schema, let what = Self.schemaDifference(config.schema, other.config.schema) {
            found.append(StoreDifference(file: "store.json", what: what))
        }
        guard config.shards == other.config.shards, config.slices == other.config.slices else {
            return found + [StoreDifference(file: "store.json", what: "\(config.shards)×\(config.slices) shards × slices, the rebuild has \(other.config.shards)×\(other.config.slices)")]
        }
        let mine = try liveVersion().manifest, theirs = try other.liveVersion().manifest
        if mine.isTrained != theirs.isTrained {
            found.append(StoreDifference(file: "manifest", what: mine.isTrained ? "the store is trained, the rebuild is not" : "the store is not trained, the rebuild is"))
        }
        for shard in 0..<config.shards {
            for slice in 0..<config.slices {
                let file = mine.shards[shard].rows[slice]
                func differs(_ what: String) { found.append(StoreDifference(file: file.path, shard: shard, slice: slice, what: what)) }
                guard let rows = try checked(file, differs, { try files.decodeRows($0, file: file) }) else { continue }
                if let what = try rowDifference(rows, other.files.readRows(theirs.shards[shard].rows[slice])) { differs(what) }
            }
            guard mine.isTrained && theirs.isTrained else { continue }
            for slice in 0..<config.slices {
                let file = mine.shards[shard].checkpoints[slice], rebuilt = theirs.shards[shard].checkpoints[slice]
                func differs(_ what: String) { found.append(StoreDifference(file: file.path, shard: shard, slice: slice, what: what)) }
                guard let a = try checked(file, differs, { try files.decodeCheckpoint($0, file: file, shard: shard) }) else { continue }
                let b = try other.files.decodeCheckpoint(AtomicFile.read(other.layout.path(rebuilt.path)), file: rebuilt, shard: shard)
                if let what = Self.checkpointDifference(a, b) { differs(what) }
            }
        }
        return found
    }

    static func schemaDifference(_ a: FeatureSchema, _ b: FeatureSchema) -> String? {
        guard a != b else { return nil }
        if a.classes != b.classes { return "label classes differ (\(a.classes.count) vs \(b.classes.count) in the rebuild)" }
        if a.featureCount != b.featureCount { return "\(a.featureCount) encoded features, the rebuild has \(b.featureCount)" }
        if let i = a.encoders.indices.first(where: { $0 < b.encoders.count && a.encoders[$0] != b.encoders[$0] }) {
            return "the encoder of column '\(a.encoders[i].name)' differs (\(a.encoders[i]) vs \(b.encoders[i]) in the rebuild)"
        }
        return "the fitted schema differs (format, options or column summaries)"
    }

    /// The first way two slices' rows differ, naming the row by its position in the slice.
    func rowDifference(_ a: SliceRows, _ b: SliceRows) -> String? {
        guard a != b else { return nil }
        if a.count != b.count { return "\(a.count) rows, the rebuild has \(b.count)" }
        if a.cellWidth != b.cellWidth { return "\(a.cellWidth) cells per row, the rebuild has \(b.cellWidth)" }
        let width = config.schema.featureCount
        for row in 0..<a.count {
            let at = "row \(row) of \(a.count)"
            if a.keys[row] != b.keys[row] { return "\(at): a different record (keyed id \(a.keys[row].short)…, the rebuild has \(b.keys[row].short)…)" }
            if a.subjects[row] != b.subjects[row] { return "\(at) (keyed id \(a.keys[row].short)…): a different data subject" }
            if a.hasCells {
                let range = (row * a.cellWidth)..<((row + 1) * a.cellWidth)
                if let c = range.first(where: { a.cells[$0] != b.cells[$0] }) {
                    return "\(at) (keyed id \(a.keys[row].short)…): cell \(c - range.lowerBound) differs (\(c - range.lowerBound == a.cellWidth - 1 ? "the label" : "a feature column"))"
                }
                continue
            }
            if a.data.labels[row] != b.data.labels[row] { return "\(at) (keyed id \(a.keys[row].short)…): label \(a.data.labels[row]) vs \(b.data.labels[row])" }
            let range = (row * width)..<((row + 1) * width)
            if let f = range.first(where: { a.data.features[$0].bitPattern != b.data.features[$0].bitPattern }) {
                return "\(at) (keyed id \(a.keys[row].short)…): feature \(f - range.lowerBound) is \(a.data.features[f]), the rebuild has \(b.data.features[f])"
            }
        }
        return "the rows differ"
    }

    static func checkpointDifference(_ a: (CheckpointFile.Metadata, TrainingState), _ b: (CheckpointFile.Metadata, TrainingState)) -> String? {
        if a.0.trainedOn != b.0.trainedOn { return "trained on different row files (lineage differs)" }
        if a.0 != b.0 { return "checkpoint metadata differs (step \(a.0.step) vs \(b.0.step))" }
        let differing = zip(a.1.parameters, b.1.parameters).filter { $0.bitPattern != $1.bitPattern }
        if a.1.parameters.count != b.1.parameters.count { return "\(a.1.parameters.count) parameters, the rebuild has \(b.1.parameters.count)" }
        if !differing.isEmpty {
            let largest = differing.map { abs($0 - $1) }.max() ?? 0
            return "\(differing.count) of \(a.1.parameters.count) parameters differ (largest difference \(largest))"
        }
        if a.1 != b.1 { return "optimizer state differs (step or moments)" }
        return nil
    }
}

extension Store {
    /// Reads one of this store's live files and decodes it. A file whose bytes no longer match the
    /// manifest is reported (and still compared by payload); one that cannot be decoded is
    /// reported and skipped (nil).
    fileprivate func checked<T>(_ file: Manifest.File, _ differs: (String) -> Void, _ decode: ([UInt8]) throws -> T) throws -> T? {
        let bytes = try AtomicFile.read(layout.path(file.path))
        let hash = sha256Hex(bytes)
        if hash != file.sha256 {
            differs("the file was changed after it was published (sha256 \(hash.prefix(12))…, the live manifest says \(file.sha256.prefix(12))…)")
        }
        do {
            return try decode(bytes)
        } catch {
            differs("cannot be decoded (\(error))")
            return nil
        }
    }
}
