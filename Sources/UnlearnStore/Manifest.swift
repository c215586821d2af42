import Foundation
import UnlearnData

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

    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    static func parse(_ json: String, version: Int) throws -> Manifest {
        do {
            return try JSONDecoder().decode(Manifest.self, from: Data(json.utf8))
        } catch {
            throw UnlearnError(.corrupt, "the manifest of model version \(version) in the ledger cannot be read (\(error))", hint: "Run 'unlearn audit verify' to check the ledger.")
        }
    }
}
