import Foundation
import Logging
import UnlearnCore
import UnlearnLedger
import UnlearnData

/// One SISA store: a store directory with its configuration, row files, checkpoints and ledger.
///
/// All operations (init, train, predict, delete, retrain, verify, recover) are extensions of this
/// type, one file per concern.
public final class Store: Sendable {
    public let layout: StoreLayout
    public let config: StoreConfig
    public let ledger: Ledger
    let keyer: Keyer
    let logger: Logger

    init(layout: StoreLayout, config: StoreConfig, ledger: Ledger, keyer: Keyer, logger: Logger) {
        self.layout = layout
        self.config = config
        self.ledger = ledger
        self.keyer = keyer
        self.logger = logger
    }

    /// Opens an existing store.
    public static func open(_ root: String, logger: Logger = Logger(label: "unlearn")) throws -> Store {
        let layout = StoreLayout(root: root)
        let config = try StoreConfig.load(layout)
        let secret = try AtomicFile.read(layout.secretPath)
        guard secret.count == 32 else {
            throw UnlearnError(.corrupt, "'\(layout.secretPath)' is damaged (expected 32 bytes, found \(secret.count))",
                               hint: "Restore it from a backup: record keys cannot be derived without it.")
        }
        let ledger = try Ledger(path: layout.ledgerPath)
        return Store(layout: layout, config: config, ledger: ledger, keyer: Keyer(secret: secret), logger: logger)
    }

    /// The latest published version and its manifest.
    public func liveVersion() throws -> (version: ModelVersion, manifest: Manifest) {
        guard let version = try ledger.latestVersion() else {
            throw UnlearnError(.corrupt, "the ledger of '\(layout.root)' has no published version", hint: "The store's init did not finish; create it again with 'unlearn init'.")
        }
        return (version, try Manifest.parse(version.manifest, version: version.version))
    }

    /// The live, trained version; a clear error when the store has not been trained yet.
    func trainedVersion() throws -> (version: ModelVersion, manifest: Manifest) {
        let live = try liveVersion()
        guard live.manifest.isTrained else {
            throw UnlearnError(.usage, "the store '\(layout.root)' has not been trained yet", hint: "Run 'unlearn train --store \(layout.root)' first.")
        }
        return live
    }

    // MARK: - Files

    func readRows(_ file: Manifest.File) throws -> SliceRows {
        try decodeRows(AtomicFile.read(layout.path(file.path)), file: file)
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

    func readCheckpoint(_ file: Manifest.File, shard: Int, slice: Int) throws -> TrainingState {
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

    /// Writes a file atomically and returns its manifest entry.
    func write(_ bytes: [UInt8], to relative: String, payloadSHA256: String, rows: Int?) throws -> Manifest.File {
        try AtomicFile.makeDirectory((layout.path(relative) as NSString).deletingLastPathComponent)
        try AtomicFile.write(bytes, to: layout.path(relative))
        return Manifest.File(path: relative, sha256: sha256Hex(bytes), payloadSHA256: payloadSHA256, rows: rows)
    }

    func writeRows(_ rows: SliceRows, shard: Int, slice: Int, generation: Int) throws -> Manifest.File {
        let bytes = try RowsFile.encode(rows, shard: shard, slice: slice, featureCount: config.schema.featureCount)
        let header = Container.peekHeader(bytes, as: RowsFile.Metadata.self)!
        return try write(bytes, to: layout.rowsFile(shard: shard, slice: slice, generation: generation),
                         payloadSHA256: header.payloadSHA256, rows: rows.count)
    }

    func writeCheckpoint(_ state: TrainingState, shard: Int, slice: Int, generation: Int, trainedOn: [String]) throws -> Manifest.File {
        let metadata = CheckpointFile.Metadata(
            shard: shard, slice: slice, shape: config.shape, optimizer: config.training.optimizer.kind,
            step: state.step, momentCount: state.moments.count, trainedOn: trainedOn)
        let bytes = try CheckpointFile.encode(state, metadata: metadata)
        let header = Container.peekHeader(bytes, as: CheckpointFile.Metadata.self)!
        return try write(bytes, to: layout.checkpointFile(shard: shard, slice: slice, generation: generation),
                         payloadSHA256: header.payloadSHA256, rows: nil)
    }

    /// Publishes `manifest` as the next version (one ledger transaction), then removes the files
    /// the previous version used and this one does not.
    /// - Parameter shard: for a `--shard` worker, only that shard's superseded files are removed
    ///   (other shards may hold another worker's files that are not published yet).
    func publish(
        _ manifest: Manifest, parent: ModelVersion, kind: String, jobID: Int64? = nil,
        completing requests: [Int64] = [], receipts: [Int64: String] = [:], jobSeconds: Double? = nil, shard: Int? = nil
    ) throws -> (version: ModelVersion, removed: [String]) {
        let json = manifest.json()
        CrashPoint.hit("before-publish")
        let published = try ledger.publish(PublishInput(
            parent: parent.version, kind: kind, manifest: json, manifestSHA256: sha256Hex(Array(json.utf8)),
            jobID: jobID, completedRequests: requests, receipts: receipts, at: Date(), jobSeconds: jobSeconds))
        CrashPoint.hit("after-publish")
        return (published, try removeUnreferenced(keeping: manifest, shard: shard))
    }

    /// Deletes every row or checkpoint file (of one shard, if given) the live manifest does not name.
    @discardableResult
    func removeUnreferenced(keeping manifest: Manifest, shard: Int? = nil) throws -> [String] {
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

extension Array where Element == Int {
    /// The shards to work on: all of `0..<count`, or the one named by `only`.
    static func shards(_ count: Int, only: Int?) throws -> [Int] {
        guard let only else { return Array(0..<count) }
        guard (0..<count).contains(only) else {
            throw UnlearnError(.usage, "shard \(only) does not exist; this store has shards 0…\(count - 1)")
        }
        return [only]
    }
}
