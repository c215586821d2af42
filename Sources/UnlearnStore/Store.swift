import Foundation
import Logging
import UnlearnCore
import UnlearnLedger
import UnlearnData

/// One store: a directory holding the configuration (`store.json`), the secret that keys record
/// ids (`store.key`), the row and checkpoint files of every shard, and the ledger.
///
/// The operations follow a record's path, one folder per stage: `Import/` (import, encode,
/// partition: a new store), `Training/` (train shards slice by slice), `Deletion/` (intake, the
/// pure ``RetrainPlanner``, retrain, the ``Publisher`` that publishes and purges, recovery),
/// `Serving/` (predict, evaluate) and `Evidence/` (audit, verify, receipts, status). Every
/// row and checkpoint file is read and written through ``ShardFiles``.
public final class Store: Sendable {
    public let layout: StoreLayout
    let box: ConfigBox
    /// `store.json`; replaced when a rebuild publishes a refitted schema.
    public var config: StoreConfig { box.config }
    public let ledger: Ledger
    let files: ShardFiles
    let publisher: Publisher
    let keyer: Keyer
    let logger: Logger

    init(layout: StoreLayout, config: StoreConfig, ledger: Ledger, keyer: Keyer, logger: Logger) {
        self.layout = layout
        self.box = ConfigBox(config)
        self.ledger = ledger
        self.keyer = keyer
        self.logger = logger
        self.files = ShardFiles(layout: layout, config: box, keyer: keyer)
        self.publisher = Publisher(ledger: ledger, files: files, logger: logger)
    }

    /// Opens an existing store.
    /// - Parameter readOnly: open the ledger for reading only (queries, predictions, audits):
    ///   nothing is written, so they keep working on a full disk.
    /// - Parameter pageCache: the ledger's SQLite page caches (`.service` for a long-running process).
    public static func open(
        _ root: String, readOnly: Bool = false, pageCache: Ledger.PageCache = .standard, logger: Logger = Logger(label: "unlearn")
    ) throws -> Store {
        let layout = StoreLayout(root: root)
        guard FileManager.default.fileExists(atPath: layout.configPath) else { throw UnlearnError.noStore(layout.root) }
        let secret = try StoreSeal.secret(fromKeyFile: AtomicFile.read(layout.secretPath), path: layout.secretPath)
        let ledger = readOnly ? try Ledger(readingOnly: layout.ledgerPath) : try Ledger(path: layout.ledgerPath, pageCache: pageCache)
        try StoreHead.check(layout, ledger: ledger)
        // Settled in memory only: the file is rewritten under the store lock (recovery).
        let config = try loadConfig(layout, secret: secret, ledger: ledger, rewrite: false)
        return Store(layout: layout, config: config, ledger: ledger, keyer: Keyer(secret: secret), logger: logger)
    }

    /// Reads `store.json` and settles an unfinished rebuild (see ``StoreConfig/settled(latest:)``).
    static func loadConfig(_ layout: StoreLayout, secret: [UInt8], ledger: Ledger, rewrite: Bool) throws -> StoreConfig {
        let stored = try StoreConfig.load(layout, secret: secret)
        let (config, changed) = stored.settled(latest: try ledger.latestVersionNumber() ?? 0)
        if changed && rewrite { try config.save(layout, secret: secret) }
        return config
    }

    /// Re-reads `store.json`: another process (or this one) may have published a rebuild.
    func reloadConfig() throws {
        box.replace(try Self.loadConfig(layout, secret: try readSecret(), ledger: ledger, rewrite: false))
    }

    /// The latest published version and its manifest.
    public func liveVersion() throws -> PublishedVersion {
        try publisher.latest()
    }

    /// The live, trained version; a clear error when the store has not been trained yet.
    func trainedVersion() throws -> PublishedVersion {
        let live = try liveVersion()
        guard live.manifest.isTrained else {
            throw UnlearnError(.usage, "the store '\(layout.root)' has not been trained yet", hint: "Run 'unlearn train --store \(layout.root)' first.")
        }
        return live
    }

    /// The record keys among `records` that some live row file of `manifest` still holds.
    func liveKeys(of records: [RecordEntry], in manifest: Manifest) throws -> Set<String> {
        var present: [String: Set<RecordKey>] = [:]
        var live = Set<String>()
        for record in records {
            guard let key = RecordKey(hex: record.key), record.shard < manifest.shards.count else { continue }
            let file = manifest.shards[record.shard].rows[record.slice]
            if present[file.path] == nil { present[file.path] = Set(try files.readRows(file).keys) }
            if present[file.path]!.contains(key) { live.insert(record.key) }
        }
        return live
    }

    /// Plans the removal of the records of `requests` from `manifest`'s live rows.
    func plan(_ requests: [DeletionRequest], manifest: Manifest, only: Int? = nil) throws -> RetrainPlanner.Outcome {
        let stillLive = try liveKeys(of: requests.flatMap(\.records), in: manifest)
        return planner.plan(requests: requests, manifest: manifest, stillLive: stillLive, only: only)
    }

    var planner: RetrainPlanner {
        RetrainPlanner(epochsPerSlice: config.trainer.epochsPerSlice, monolithicEpochs: config.training.epochs)
    }

    var workerName: String { ProcessInfo.processInfo.hostName + ":\(getpid())" }
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
