import Foundation
import UnlearnData
import UnlearnLedger

/// The files that make up one published model version. Stored as canonical JSON in the ledger;
/// every file on disk that no published-latest manifest names is an orphan or superseded.
public struct Manifest: Codable, Equatable, Sendable {
    public struct File: Codable, Equatable, Sendable {
        public var path: String
        /// sha256 of the file's bytes: what a receipt quotes and what verification re-checks.
        public var sha256: String
        /// sha256 of the decoded payload: the content identity used for lineage.
        public var payloadSHA256: String
        public var rows: Int?
    }

    public struct Shard: Codable, Equatable, Sendable {
        public var rows: [File]
        /// One per slice once trained; empty for a store that was imported but not trained yet.
        public var checkpoints: [File]
    }

    public var shards: [Shard]

    public var isTrained: Bool { shards.allSatisfy { !$0.checkpoints.isEmpty } }
    public var allPaths: Set<String> { Set(shards.flatMap { $0.rows.map(\.path) + $0.checkpoints.map(\.path) }) }
    /// Rows in all live row files.
    public var liveRows: Int { shards.reduce(0) { $0 + $1.rows.reduce(0) { $0 + ($1.rows ?? 0) } } }

    /// The ledger's text of this manifest (sorted keys, as `JSONEncoder` with sorted keys writes it).
    public func json() -> String {
        func entry(_ file: File) -> JSONWriter {
            var writer = JSONWriter()
            writer.add("path", file.path)
            writer.add("payloadSHA256", file.payloadSHA256)
            if let rows = file.rows { writer.add("rows", rows) }
            writer.add("sha256", file.sha256)
            return writer
        }
        var writer = JSONWriter()
        writer.add("shards", shards.map { shard in
            var item = JSONWriter()
            item.add("checkpoints", shard.checkpoints.map(entry))
            item.add("rows", shard.rows.map(entry))
            return item
        })
        return writer.json
    }

    static func parse(_ json: String, version: Int) throws -> Manifest {
        do {
            return try JSONDecoder().decode(Manifest.self, from: Data(json.utf8))
        } catch {
            throw UnlearnError(.corrupt, "the manifest of model version \(version) in the ledger cannot be read (\(error))", hint: "Run 'unlearn audit verify' to check the ledger.")
        }
    }
}
