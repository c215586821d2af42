import Foundation
import UnlearnCore
import UnlearnData

/// Reads and writes one store's row and checkpoint files, with the advice that fits a damaged
/// one, and removes the files a manifest no longer names.
///
/// Every write goes to a new name (the generation is in it), through a temp file, fsync and
/// rename, so a live file is never replaced in place.
public struct ShardFiles: Sendable {
    public let layout: StoreLayout
    let box: ConfigBox
    let keyer: Keyer
    var config: StoreConfig { box.config }

    init(layout: StoreLayout, config: ConfigBox, keyer: Keyer) {
        self.layout = layout
        self.box = config
        self.keyer = keyer
    }

    // MARK: - Rows

    func readRows(_ file: Manifest.File) throws -> SliceRows {
        try decodeRows(AtomicFile.read(layout.path(file.path)), file: file)
    }

    /// A row file's labels and features as training reads them: rows that keep pre-encoding
    /// cells are encoded through the store's schema here.
    func readSlice(_ file: Manifest.File) throws -> SliceData {
        let rows = try readRows(file)
        guard rows.hasCells else { return rows.data }
        let (labels, features) = try config.schema.encode(cells: rows.cells, keyer: keyer)
        return SliceData(labels: labels, features: features)
    }

    /// Decodes a row file, with the advice that fits a damaged one (it cannot be rebuilt).
    func decodeRows(_ bytes: [UInt8], file: Manifest.File) throws -> SliceRows {
        do {
            return try RowsFile.decode(bytes, path: layout.path(file.path)).1
        } catch {
            var error = error
            error.hint = "Restore the store from a backup; a row file cannot be rebuilt from the models."
            throw error
        }
    }

    func writeRows(_ rows: SliceRows, shard: Int, slice: Int, generation: Int) throws -> Manifest.File {
        let bytes = try RowsFile.encode(rows, shard: shard, slice: slice, featureCount: config.schema.featureCount)
        let header = Container.peekHeader(bytes, as: RowsFile.Metadata.self)!
        return try write(bytes, to: layout.rowsFile(shard: shard, slice: slice, generation: generation),
                         payloadSHA256: header.payloadSHA256, rows: rows.count)
    }

    // MARK: - Checkpoints

    func readCheckpoint(_ file: Manifest.File, shard: Int) throws -> TrainingState {
        try decodeCheckpoint(AtomicFile.read(layout.path(file.path)), file: file, shard: shard).1
    }

    /// Decodes a checkpoint, with the command that rebuilds a damaged one.
    func decodeCheckpoint(_ bytes: [UInt8], file: Manifest.File, shard: Int) throws -> (CheckpointFile.Metadata, TrainingState) {
        do {
            return try CheckpointFile.decode(bytes, path: layout.path(file.path))
        } catch {
            var error = error
            error.hint = "Run 'unlearn train --store \(layout.root) --shard \(shard)' to rebuild shard \(shard) from its row files."
            throw error
        }
    }

    /// The checkpoint file's bytes for `state`: what training writes and what replay compares.
    func encodeCheckpoint(_ state: TrainingState, shard: Int, slice: Int, trainedOn: [String]) throws -> [UInt8] {
        let metadata = CheckpointFile.Metadata(
            shard: shard, slice: slice, shape: config.shape, optimizer: config.training.optimizer.kind,
            step: state.step, momentCount: state.moments.count, trainedOn: trainedOn)
        return try CheckpointFile.encode(state, metadata: metadata)
    }

    func writeCheckpoint(_ state: TrainingState, shard: Int, slice: Int, generation: Int, trainedOn: [String]) throws -> Manifest.File {
        let bytes = try encodeCheckpoint(state, shard: shard, slice: slice, trainedOn: trainedOn)
        let header = Container.peekHeader(bytes, as: CheckpointFile.Metadata.self)!
        return try write(bytes, to: layout.checkpointFile(shard: shard, slice: slice, generation: generation),
                         payloadSHA256: header.payloadSHA256, rows: nil)
    }

    // MARK: - Writing and removing

    /// Writes a file atomically and returns its manifest entry.
    private func write(_ bytes: [UInt8], to relative: String, payloadSHA256: String, rows: Int?) throws -> Manifest.File {
        try AtomicFile.makeDirectory((layout.path(relative) as NSString).deletingLastPathComponent)
        try AtomicFile.write(bytes, to: layout.path(relative))
        return Manifest.File(path: relative, sha256: sha256Hex(bytes), payloadSHA256: payloadSHA256, rows: rows)
    }

    /// Deletes every row or checkpoint file (of one shard, if given) that `manifest` does not name,
    /// then fsyncs the directories.
    @discardableResult
    func removeFiles(notIn manifest: Manifest, shard: Int? = nil) throws -> [String] {
        let live = manifest.allPaths
        var removed: [String] = []
        var directories = Set<String>()
        for file in layout.storeFiles(shard: shard) where !live.contains(file) {
            try AtomicFile.remove(layout.path(file))
            CrashPoint.hit("mid-purge")
            removed.append(file)
            directories.insert((layout.path(file) as NSString).deletingLastPathComponent)
        }
        for directory in directories { try AtomicFile.syncDirectory(directory) }
        return removed
    }
}
