import Foundation
import UnlearnData
import UnlearnLedger

/// `store.head`: the newest published version, written after each publish commits, outside
/// SQLite.
///
/// A publish is one SQLite transaction; if the WAL holding it is damaged after a crash, SQLite
/// silently rolls it back and the store looks consistent at the older version. The head file
/// is the second record that makes such a lost commit visible: the ledger must never be behind
/// it. (The head may lag the ledger by one publish after a crash; recovery rewrites it.)
struct StoreHead: Codable, Equatable {
    var version: Int
    var manifestSHA256: String

    enum CodingKeys: String, CodingKey {
        case version
        case manifestSHA256 = "manifest_sha256"
    }

    init(_ version: ModelVersion) {
        self.version = version.version
        self.manifestSHA256 = version.manifestSHA256
    }

    /// The head on disk, or nil when there is none (a store made before heads existed).
    static func read(_ layout: StoreLayout) throws -> StoreHead? {
        guard FileManager.default.fileExists(atPath: layout.headPath) else { return nil }
        do {
            return try JSONDecoder().decode(StoreHead.self, from: Data(AtomicFile.read(layout.headPath)))
        } catch {
            throw UnlearnError(.corrupt, "'\(layout.headPath)' is damaged (\(error))",
                               hint: "Run 'unlearn doctor --store \(layout.root)'; if the ledger is sound, 'unlearn recover' rewrites it.")
        }
    }

    /// Records `version` as the head unless the head on disk is already newer (a concurrent
    /// `--shard` worker published after it).
    static func advance(_ layout: StoreLayout, to version: ModelVersion) throws {
        if let current = try? read(layout), current.version >= version.version { return }
        var writer = JSONWriter()
        writer.add("manifest_sha256", version.manifestSHA256)
        writer.add("version", version.version)
        try AtomicFile.write(Array((writer.json + "\n").utf8), to: layout.headPath)
    }

    /// Throws when the ledger is behind the head: a published version was lost.
    static func check(_ layout: StoreLayout, ledger: Ledger) throws {
        // Head first, then the ledger: a publish commits before it writes the head, so a
        // concurrent one can only make the ledger newer than the head read here.
        guard let head = try read(layout) else { return }
        let latest = try ledger.latestVersion()
        guard let latest, latest.version >= head.version else {
            throw UnlearnError(
                .corrupt,
                "the ledger of '\(layout.root)' is behind its files: version \(head.version) was published (store.head) but the ledger's newest is \(latest.map { String($0.version) } ?? "none"); a committed transaction was lost (a damaged ledger-sqlite-wal?)",
                hint: "Restore ledger.sqlite (and its -wal) from a backup; run 'unlearn doctor --store \(layout.root)' for details.")
        }
    }
}
