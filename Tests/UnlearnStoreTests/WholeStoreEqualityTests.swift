import Foundation
import Testing
import UnlearnCore
import UnlearnData
import UnlearnStore

/// The whole-store promise: after unlearning, the store equals a from-scratch build of its source
/// without the deleted records (placement, row files, checkpoints; the schema where it cannot move
/// or when rebuilding from the original import). Uses the comparison of `verify --from-source`.
struct WholeStoreEqualityTests {
    /// Adult rows with an id, a subject and (for prior placement) a likelihood column.
    static func adultWithPrior(rows: Int, in directory: String) throws -> URL {
        let lines = Fixtures.adultLines.prefix(rows).enumerated().map { n, line in
            "person-\(n), household-\(n / 3), \(n % 6 == 0 ? "0.9" : "0.02"), \(line)"
        }
        let url = URL(fileURLWithPath: directory + "/train.csv")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static func create(rows: Int, shards: Int, slices: Int, placement: PlacementStrategy, seed: UInt64, minCategoryCount: Int? = nil) throws -> (Store, URL) {
        _ = Fixtures.quietLogs
        let directory = try Fixtures.temporaryDirectory()
        let data = try adultWithPrior(rows: rows, in: directory)
        let options = CreateOptions(
            root: directory + "/store", format: .csv, data: data, labels: nil,
            csv: CSVOptions(header: .absent, label: "last", id: "0", subject: "1", prior: "2", minCategoryCount: minCategoryCount),
            shards: shards, slices: slices,
            training: TrainingConfig(model: .softmax, optimizer: OptimizerSpec(kind: .adam), epochs: 2, batchSize: 16, seed: seed),
            aggregation: .mean, placement: placement, dueDays: 30)
        let store = try Store.create(options)
        _ = try store.train(showProgress: false)
        return (store, data)
    }

    /// Writes the source without the records whose id is in `deleted`: the user's current export.
    static func export(_ source: URL, without deleted: Set<String>, change: ((String) -> String?)? = nil) throws -> URL {
        let lines = try String(contentsOf: source, encoding: .utf8).split(separator: "\n").map(String.init)
        let kept = lines.filter { !deleted.contains(String($0.prefix { $0 != "," })) }.compactMap { change?($0) ?? $0 }
        let url = source.deletingLastPathComponent().appendingPathComponent("export-\(UUID().uuidString).csv")
        try (kept.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static func unlearn(_ store: Store, _ ids: Set<String>) throws {
        _ = try store.requestDeletion(ids.sorted().map { .record($0) }, requestedBy: "test", reason: nil)
        #expect(try store.retrain(showProgress: false).status == .completed)
    }

    static func expectEqual(_ store: Store, _ source: URL, schema: Bool, _ note: String) throws {
        let report = try store.verify(fromSource: source, labels: nil, schema: schema)
        #expect(report.passed, "\(note): \(report.differences.prefix(3).map(\.description))")
        // The outcome is in the audit chain.
        let event = try #require(try store.ledger.events().last)
        #expect(event.kind == .verifyPassed && event.payload.contains(#""differences":0"#) && report.recorded, "\(note): \(event.payload)")
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var seed: UInt64, placement: PlacementStrategy
        var testDescription: String { "seed \(seed) \(placement)" }
    }

    @Test(arguments: [Case(seed: 1, placement: .uniform), Case(seed: 2, placement: .uniform), Case(seed: 3, placement: .prior), Case(seed: 4, placement: .prior)])
    func storeEqualsFromScratchBuildAfterEveryRetrain(_ c: Case) throws {
        let rows = 240
        let (store, source) = try Self.create(rows: rows, shards: 3, slices: 4, placement: c.placement, seed: c.seed)
        try Self.expectEqual(store, source, schema: true, "freshly trained")
        let placements = try Fixtures.placements(store, rows: rows)
        var rng = SplitMix64(seed: c.seed)
        var deleted: Set<String> = []

        // Round 1: random deletions, and several in one shard.
        for _ in 0..<3 { deleted.insert(placements[rng.below(rows)].id) }
        let busy = rng.below(3)
        for p in placements.filter({ $0.shard == busy }).shuffled(using: &rng).prefix(4) { deleted.insert(p.id) }
        try Self.unlearn(store, deleted)
        try Self.expectEqual(store, source, schema: true, "round 1 from the original import")
        try Self.expectEqual(store, Self.export(source, without: deleted), schema: false, "round 1 from the export")

        // Round 2: empty a whole slice (it must train, replay and compare while empty).
        let slice = placements.filter { $0.shard == busy && $0.slice == 2 }.map(\.id)
        try Self.unlearn(store, Set(slice).subtracting(deleted))
        deleted.formUnion(slice)
        #expect(try store.liveVersion().manifest.shards[busy].rows[2].rows == 0)
        try Self.expectEqual(store, source, schema: true, "round 2 from the original import")
        try Self.expectEqual(store, Self.export(source, without: deleted), schema: false, "round 2 from the export")
        let replay = try store.verify(id: slice.first ?? deleted.first!, replay: true)
        #expect(replay.passed, "\(replay.checks.filter { !$0.passed })")
    }

    /// With a schema that forgets (minimum category count 10): deleting records of a category until
    /// it falls below k, and records that move quantised statistics, forces a rebuild; afterwards
    /// the whole store, schema included, equals a from-scratch build — from the original file and
    /// from the export.
    @Test(arguments: [Case(seed: 5, placement: .uniform), Case(seed: 6, placement: .prior)])
    func storeWithAForgettingSchemaEqualsFromScratchBuildAfterARebuild(_ c: Case) throws {
        let rows = 240, k = 10
        let (store, source) = try Self.create(rows: rows, shards: 3, slices: 3, placement: c.placement, seed: c.seed, minCategoryCount: k)
        try Self.expectEqual(store, source, schema: true, "freshly trained")
        // Categorical columns of Adult (after id, subject, prior): the category with the fewest
        // records at or above k loses enough of them to fall below k.
        let fields = try String(contentsOf: source, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        var best: (column: Int, value: String, ids: [String])?
        for column in [4, 6, 8, 9, 10, 11, 12, 16] {
            let groups = Dictionary(grouping: fields, by: { $0[column] }).filter { $0.value.count >= k }
            if let (value, members) = groups.min(by: { $0.value.count < $1.value.count }), members.count < (best?.ids.count ?? .max) {
                best = (column, value, members.map { $0[0] })
            }
        }
        let category = try #require(best)
        var rng = SplitMix64(seed: c.seed)
        var deleted = Set(category.ids.shuffled(using: &rng).prefix(category.ids.count - k + 1))
        // And the three oldest people: they move the age statistics.
        deleted.formUnion(fields.sorted { Int($0[3])! > Int($1[3])! }.prefix(3).map { $0[0] })
        _ = try store.requestDeletion(deleted.sorted().map { .record($0) }, requestedBy: "test", reason: nil)
        let report = try store.retrain(showProgress: false)
        #expect(report.status == .completed)
        #expect(report.plan?.schemaRebuild == true, "a category falling below k forces a rebuild")
        try Self.expectEqual(store, source, schema: true, "after the rebuild, from the original import")
        try Self.expectEqual(store, Self.export(source, without: deleted), schema: true, "after the rebuild, from the export")
        // Then an ordinary deletion round.
        let more = Set(fields.map { $0[0] }.filter { !deleted.contains($0) }.shuffled(using: &rng).prefix(4))
        try Self.unlearn(store, more)
        deleted.formUnion(more)
        try Self.expectEqual(store, source, schema: true, "next round, from the original import")
        try Self.expectEqual(store, Self.export(source, without: deleted), schema: true, "next round, from the export")
    }

    @Test func priorPlacementPutsLikelyRecordsInTheHotZoneOfTheFirstShards() throws {
        let (store, _) = try Self.create(rows: 600, shards: 4, slices: 4, placement: .prior, seed: 5)
        let rule = try #require(store.config.placementRule)
        #expect(rule.hotShards >= 1 && rule.hotShards < 4)
        let placements = try Fixtures.placements(store, rows: 600)
        let likely = placements.enumerated().filter { $0.offset % 6 == 0 }.map(\.element)
        let inHotZone = likely.filter { $0.shard < rule.hotShards && $0.slice >= rule.hotStart }.count
        // Hot with probability 0.9 each: at least 80% of 100 (binomial, > 3 sd below the mean of 90).
        #expect(inHotZone >= 80, "\(inHotZone) of \(likely.count) likely records in the hot zone")
    }

    @Test func verifyFromSourceFailsOnAChangedOrMissingLiveRecordOrAChangedStoreFile() throws {
        let (store, source) = try Self.create(rows: 200, shards: 2, slices: 3, placement: .uniform, seed: 9)
        try Self.unlearn(store, ["person-5", "person-17"])
        let deleted: Set<String> = ["person-5", "person-17"]
        // A live record changed: its age field (the first Adult column, after id, subject, prior).
        let changed = try Self.export(source, without: deleted) { line in
            guard line.hasPrefix("person-42,") else { return line }
            var fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            fields[3] = " 99"
            return fields.joined(separator: ",")
        }
        let changedReport = try store.verify(fromSource: changed, labels: nil, schema: false)
        #expect(!changedReport.passed)
        let where42 = try #require(try store.record(id: "person-42"))
        #expect(changedReport.differences.first?.shard == where42.shard && changedReport.differences.first?.slice == where42.slice,
                "\(changedReport.differences.first?.description ?? "none")")
        #expect(changedReport.differences.allSatisfy { !$0.description.contains("person-") }, "no raw record id in the report")
        // A live record missing.
        let missing = try Self.verifyExport(store, source, without: deleted.union(["person-100"]))
        let where100 = try #require(try store.record(id: "person-100"))
        #expect(!missing.passed && missing.differences.first?.shard == where100.shard && missing.differences.first?.what.contains("rows") == true)
        // One store file changed: a checkpoint replaced by another valid checkpoint.
        let manifest = try store.liveVersion().manifest
        let target = manifest.shards[1].checkpoints[1].path, donor = manifest.shards[1].checkpoints[0].path
        try FileManager.default.removeItem(atPath: store.layout.path(target))
        try FileManager.default.copyItem(atPath: store.layout.path(donor), toPath: store.layout.path(target))
        let tampered = try store.verify(fromSource: source, labels: nil, schema: true)
        #expect(!tampered.passed)
        #expect(tampered.differences.first?.file == target && tampered.differences.first?.shard == 1 && tampered.differences.first?.slice == 1)
        let failed = try #require(try store.ledger.events().last)
        #expect(failed.kind == .verifyFailed && failed.payload.contains(#""first_difference":"\#(target)""#), "\(failed.payload)")
        #expect(!failed.payload.contains("person-"))
        #expect(try store.ledger.verifyChain().isIntact)
    }

    static func verifyExport(_ store: Store, _ source: URL, without deleted: Set<String>) throws -> SourceVerification {
        try store.verify(fromSource: export(source, without: deleted), labels: nil, schema: false)
    }

    @Test func emptySlicesAndShardsTrainReplayAndVerify() throws {
        // 40 rows in 5 × 4 cells: with per-record placement some cells are empty (checked below).
        let (store, source) = try Self.create(rows: 40, shards: 5, slices: 4, placement: .uniform, seed: 11)
        let manifest = try store.liveVersion().manifest
        let empty = manifest.shards.flatMap { $0.rows }.filter { $0.rows == 0 }
        try #require(!empty.isEmpty, "the fixture needs an empty slice")
        try Self.expectEqual(store, source, schema: true, "with empty slices")
        let status = try store.status()
        #expect(status.shards == 5)
        // Empty a whole shard through deletions, then retrain, replay and compare.
        let ids = try Fixtures.placements(store, rows: 40).filter { $0.shard == 0 }.map(\.id)
        try Self.unlearn(store, Set(ids))
        #expect(try store.liveVersion().manifest.shards[0].rows.allSatisfy { $0.rows == 0 })
        if let first = ids.first {
            let replay = try store.verify(id: first, replay: true)
            #expect(replay.passed, "\(replay.checks.filter { !$0.passed })")
        }
        try Self.expectEqual(store, source, schema: true, "with an empty shard")
    }
}

/// `verify --from-source` on positional ids (IDX: an MNIST subset, whose schema cannot move),
/// through the library and the real binary.
struct VerifyFromSourceTests {
    static let mnist = FormatsCLITests.mnist

    /// MNIST training records at `indices`, written as a new IDX pair.
    static func idx(_ indices: [Int], in directory: String, name: String) throws -> (URL, URL) {
        let images = try AtomicFile.read(mnist.appendingPathComponent("train-images-idx3-ubyte").path)
        let labels = try AtomicFile.read(mnist.appendingPathComponent("train-labels-idx1-ubyte").path)
        func count(_ header: [UInt8]) -> [UInt8] {
            var h = header
            let n = indices.count
            h[4] = UInt8(n >> 24 & 255); h[5] = UInt8(n >> 16 & 255); h[6] = UInt8(n >> 8 & 255); h[7] = UInt8(n & 255)
            return h
        }
        var x = count(Array(images[0..<16])), y = count(Array(labels[0..<8]))
        for i in indices {
            x += images[(16 + i * 784)..<(16 + (i + 1) * 784)]
            y.append(labels[8 + i])
        }
        let xURL = URL(fileURLWithPath: "\(directory)/\(name)-images"), yURL = URL(fileURLWithPath: "\(directory)/\(name)-labels")
        try Data(x).write(to: xURL)
        try Data(y).write(to: yURL)
        return (xURL, yURL)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: VerifyFromSourceTests.mnist.path)))
    func positionalStorePassesFromTheOriginalAndTheExportAndFailsOnAMismatch() throws {
        let directory = try Fixtures.temporaryDirectory()
        let count = 300
        let (x, y) = try Self.idx(Array(0..<count), in: directory, name: "train")
        let store = directory + "/store"
        let created = try CLI.run(["init", "--store", store, "--format", "idx", "--data", x.path, "--labels", y.path,
                                   "--shards", "2", "--slices", "3", "--model", "softmax", "--epochs", "1", "--seed", "4", "--batch", "32"])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(try CLI.run(["train", "--store", store]).status == 0)
        let deleted = [7, 8, 150, 299]
        try deleted.map { "row-\($0)" }.joined(separator: "\n").write(toFile: directory + "/ids.txt", atomically: true, encoding: .utf8)
        #expect(try CLI.run(["delete", "--store", store, "--ids-from", directory + "/ids.txt"]).status == 0)
        #expect(try CLI.run(["retrain", "--store", store]).status == 0)

        let original = try CLI.run(["verify", "--store", store, "--from-source", x.path, "--labels", y.path])
        #expect(original.status == 0, "\(original.stdout)\(original.stderr)")
        #expect(original.stdout.contains("PASS") && original.stdout.contains("the original import"))

        let live = (0..<count).filter { !deleted.contains($0) }
        let (ex, ey) = try Self.idx(live, in: directory, name: "export")
        let export = try CLI.run(["verify", "--store", store, "--from-source", ex.path, "--labels", ey.path, "--json"])
        #expect(export.status == 0, "\(export.stdout)\(export.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [String: Any])
        #expect(json["mode"] as? String == "positional-export")
        #expect((json["differences"] as? [Any])?.isEmpty == true)

        // A live record changed (another digit in its place): FAIL, exit 1, naming a file, never a raw id.
        let (cx, cy) = try Self.idx(live.map { $0 == 100 ? 1000 : $0 }, in: directory, name: "changed")
        let changed = try CLI.run(["verify", "--store", store, "--from-source", cx.path, "--labels", cy.path])
        #expect(changed.status == 1, "\(changed.stdout)\(changed.stderr)")
        #expect(changed.stdout.contains("FAIL") && changed.stdout.contains("first difference: shard-") && !changed.stdout.contains("row-"))

        // A row count that is neither the original nor the live count: a clear data error (65).
        let (mx, my) = try Self.idx(Array(live.dropLast()), in: directory, name: "short")
        let short = try CLI.run(["verify", "--store", store, "--from-source", mx.path, "--labels", my.path])
        #expect(short.status == 65, "\(short.stdout)\(short.stderr)")
        #expect(short.stderr.contains("\(live.count - 1) records") && short.stderr.contains("\(count)") && short.stderr.contains("\(live.count)"))
    }

    @Test func theScratchDirectoryIsOwnerOnlyAndRemoved() throws {
        let (store, source) = try WholeStoreEqualityTests.create(rows: 120, shards: 2, slices: 2, placement: .uniform, seed: 2)
        let parent = try Fixtures.temporaryDirectory()
        let report = try store.verify(fromSource: source, labels: nil, schema: true, scratchParent: parent)
        #expect(report.passed)
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent).isEmpty)
        let made = try Store.makeScratchDirectoryForTesting(parent: parent)
        let mode = try FileManager.default.attributesOfItem(atPath: made)[.posixPermissions] as? Int
        #expect(mode == 0o700)
    }
}
