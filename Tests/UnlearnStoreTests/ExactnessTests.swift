import Foundation
import Testing
import UnlearnCore
import UnlearnData
import UnlearnStore

/// The core promise: after unlearning, each affected shard is bit-for-bit the model obtained by
/// training that shard from scratch without the deleted records.
struct ExactnessTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var shards: Int, slices: Int, model: ModelSpec, optimizer: OptimizerKind
        var testDescription: String { "S=\(shards) R=\(slices) \(model) \(optimizer)" }
    }

    static let cases: [Case] = [1, 3, 8].flatMap { s in
        [1, 4, 7].flatMap { r in
            [ModelSpec.softmax, ModelSpec(hidden: [6])].flatMap { m in
                OptimizerKind.allCases.map { Case(shards: s, slices: r, model: m, optimizer: $0) }
            }
        }
    }

    @Test(arguments: cases)
    func unlearnedShardsEqualRetrainingFromScratch(_ c: Case) throws {
        let rows = 240
        let store = try Fixtures.createStore(rows: rows, shards: c.shards, slices: c.slices, model: c.model, optimizer: c.optimizer)
        let placements = try Fixtures.placements(store, rows: rows)
        let before = try snapshotRows(store)
        var rng = SplitMix64(seed: UInt64(c.shards * 100 + c.slices))

        // Round 1: a deletion in the first, a middle and the last slice, and several in one shard.
        var round1: Set<String> = []
        for slice in Set([0, c.slices / 2, c.slices - 1]) {
            let candidates = placements.filter { $0.slice == slice }
            round1.insert(candidates[rng.below(candidates.count)].id)
        }
        let busyShard = rng.below(c.shards)
        for p in placements.filter({ $0.shard == busyShard }).shuffled(using: &rng).prefix(3) { round1.insert(p.id) }
        try unlearnAndCheck(store, deleting: round1, placements: placements, original: before)

        // Round 2: empty a whole slice of one shard (when there is more than one slice to keep).
        if c.slices > 1 {
            let target = placements.filter { $0.shard == busyShard && $0.slice == c.slices / 2 }.map(\.id)
            try unlearnAndCheck(store, deleting: round1.union(target), newly: Set(target), placements: placements, original: before)
        }
    }

    /// Deletes `newly` (default: all of `deleting`), retrains, and checks every shard against an
    /// independent oracle built from the original rows minus `deleting`.
    func unlearnAndCheck(
        _ store: Store, deleting: Set<String>, newly: Set<String>? = nil,
        placements: [(id: String, shard: Int, slice: Int)], original: [[SliceRows]]
    ) throws {
        _ = try store.requestDeletion((newly ?? deleting).sorted().map { .record($0) }, requestedBy: "test", reason: nil)
        let report = try store.retrain(showProgress: false)
        #expect(report.status == .completed)
        let removedKeys = Set(deleting.map { store.key(ofRecord: $0) })
        let config = store.config
        let live = try store.liveVersion().manifest
        for shard in 0..<config.shards {
            // Oracle: the original rows of the shard without the deleted keys, trained from scratch.
            let expectedRows = original[shard].map { $0.removing(removedKeys) }
            let states = try config.trainer.trainFromScratch(shard: shard, data: expectedRows.map(\.data))
            for slice in 0..<config.slices {
                let rowsFile = try AtomicFile.read(store.layout.path(live.shards[shard].rows[slice].path))
                let liveRows = try RowsFile.decode(rowsFile, path: "rows").1
                let sameRows = liveRows == expectedRows[slice]
                #expect(sameRows, "shard \(shard) slice \(slice): live rows differ from the original minus the deleted")
                let lineage = live.shards[shard].rows[...slice].map(\.payloadSHA256)
                let expected = try CheckpointFile.encode(states[slice], metadata: CheckpointFile.Metadata(
                    shard: shard, slice: slice, shape: config.shape, optimizer: config.training.optimizer.kind,
                    step: states[slice].step, momentCount: states[slice].moments.count, trainedOn: Array(lineage)))
                let actual = try AtomicFile.read(store.layout.path(live.shards[shard].checkpoints[slice].path))
                #expect(sha256Hex(actual) == sha256Hex(expected), "shard \(shard) slice \(slice): checkpoint is not bit-for-bit the from-scratch model")
            }
        }
    }

    func snapshotRows(_ store: Store) throws -> [[SliceRows]] {
        let live = try store.liveVersion().manifest
        return try live.shards.map { shard in
            try shard.rows.map { try RowsFile.decode(AtomicFile.read(store.layout.path($0.path)), path: $0.path).1 }
        }
    }
}
