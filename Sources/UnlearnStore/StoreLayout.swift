import Foundation

/// Where everything of one store lives on disk.
///
/// Row and checkpoint files carry the generation (the model version that wrote them) in their
/// names, so a rewrite never reuses a name: old and new coexist until the new version is
/// published, and only then is the old one removed.
public struct StoreLayout: Sendable {
    public let root: String

    public init(root: String) {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
    }

    public var configPath: String { path("store.json") }
    public var secretPath: String { path("store.key") }
    public var ledgerPath: String { path("ledger.sqlite") }
    public var headPath: String { path("store.head") }
    public var lockPath: String { path("retrain.lock") }
    public func shardLockPath(_ shard: Int) -> String { path(String(format: "retrain.shard-%03d.lock", shard)) }

    public func path(_ relative: String) -> String { root + "/" + relative }

    public func shardDirectory(_ shard: Int) -> String { String(format: "shard-%03d", shard) }

    public func rowsFile(shard: Int, slice: Int, generation: Int) -> String {
        shardDirectory(shard) + String(format: "/slice-%03d.g%d.rows.zst", slice, generation)
    }

    public func checkpointFile(shard: Int, slice: Int, generation: Int) -> String {
        shardDirectory(shard) + String(format: "/slice-%03d.g%d.ckpt.zst", slice, generation)
    }

    /// The names of the store's own files and folders present in the root: configuration, key,
    /// ledger and its sidecars, locks, then shard folders and temp files.
    public func existingStoreFiles() -> [String] {
        let own = ["store.json", "store.key", "ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm", "store.head", "receipt.key", "retrain.lock"]
        let entries = Set((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
        let others = entries.filter { $0.hasPrefix("shard-") || $0.hasPrefix("retrain.shard-") || $0.contains(".tmp-") }
        return own.filter(entries.contains) + others.sorted()
    }

    /// Every row or checkpoint file present on disk (of one shard, if given), relative to the root.
    public func storeFiles(shard: Int? = nil) -> [String] {
        let fm = FileManager.default
        guard let entries = try? fm.contentsOfDirectory(atPath: root) else { return [] }
        var files: [String] = []
        for directory in entries.sorted() where directory.hasPrefix("shard-") && (shard == nil || directory == shardDirectory(shard!)) {
            for file in ((try? fm.contentsOfDirectory(atPath: path(directory))) ?? []).sorted() {
                files.append(directory + "/" + file)
            }
        }
        return files
    }
}
