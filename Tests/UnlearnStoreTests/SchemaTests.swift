import Foundation
import Testing
import UnlearnCore
import UnlearnData
import UnlearnLedger
@testable import UnlearnStore

/// A schema that holds no individual (issue 10, items 1 and 3): vocabularies and classes with at
/// least k live records, statistics from the live rows, and a rebuild when deletions change it.
@Suite struct SchemaTests {
    /// A small CSV: id, subject, two numeric columns, a skewed categorical column with rare
    /// values, and a label with a rare class. Deterministic in `seed`.
    static func syntheticRows(_ count: Int, seed: UInt64) -> [String] {
        var rng = SplitMix64(seed: seed)
        let colors = ["red", "red", "red", "blue", "blue", "green", "green", "teal", "mauve", "ochre"]
        return (0..<count).map { n in
            let x = Double(rng.next() % 10_000) / 100
            let y = Double(rng.next() % 50) - 25
            let color = colors[Int(rng.next() % UInt64(colors.count))]
            let r = rng.next() % 20
            let label = r < 9 ? "yes" : r < 18 ? "no" : "maybe"
            return "id-\(n), s-\(n / 2), \(x), \(y), \(color), \(label)"
        }
    }

    static func write(_ lines: [String], in directory: String, name: String) throws -> URL {
        let url = URL(fileURLWithPath: directory + "/" + name)
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static func options(_ root: String, data: URL, k: Int, shards: Int = 2, slices: Int = 2, secret: [UInt8]? = nil) -> CreateOptions {
        var options = CreateOptions(
            root: root, format: .csv, data: data, labels: nil,
            csv: CSVOptions(header: .absent, label: "last", id: "0", subject: "1", minCategoryCount: k),
            shards: shards, slices: slices,
            training: TrainingConfig(model: ModelSpec(hidden: [4]), optimizer: OptimizerSpec(kind: .adam), epochs: 1, batchSize: 16, seed: 3),
            aggregation: .mean, placement: .uniform, dueDays: 30)
        options.secret = secret
        return options
    }

    /// The store's schema and statistics equal those of a from-scratch import of `lines` (the
    /// source without the deleted records) with the same key.
    static func expectFromScratch(_ store: Store, lines: [String], k: Int, directory: String, tag: String) throws {
        let data = try write(lines, in: directory, name: "scratch-\(tag).csv")
        let scratch = try Store.create(options(directory + "/scratch-\(tag)", data: data, k: k, secret: try store.readSecret()))
        #expect(store.config.schema == scratch.config.schema, "schema after deletions (\(tag)) differs from a from-scratch import")
        let kept = try store.liveSchemaStats(try store.liveVersion().manifest)
        let fresh = try scratch.liveSchemaStats(try scratch.liveVersion().manifest)
        #expect(kept == fresh, "kept statistics (\(tag)) differ from a from-scratch computation")
    }

    /// Every shard's live checkpoints equal training that shard from scratch on its live rows
    /// through the live schema.
    static func expectReplayable(_ store: Store) throws {
        let live = try store.trainedVersion()
        for (shard, files) in live.manifest.shards.enumerated() {
            let data = try files.rows.map { try store.files.readSlice($0) }
            let states = try store.config.trainer.trainFromScratch(shard: shard, data: data)
            for (slice, state) in states.enumerated() {
                let bytes = try store.files.encodeCheckpoint(state, shard: shard, slice: slice, trainedOn: Array(files.rows.map(\.payloadSHA256)[...slice]))
                #expect(sha256Hex(bytes) == files.checkpoints[slice].sha256, "shard \(shard) slice \(slice) is not its from-scratch training")
            }
        }
    }

    /// Counts of each value of field `field` over `lines`.
    static func counts(_ lines: [String], field: Int) -> [String: Int] {
        lines.reduce(into: [:]) { $0[$1.split(separator: ",")[field].trimmingCharacters(in: .whitespaces), default: 0] += 1 }
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func noSchemaNamesARareValueAndRetrainsEqualFromScratch(seed: UInt64) throws {
        _ = Fixtures.quietLogs
        let k = 5
        let directory = try Fixtures.temporaryDirectory()
        var lines = Self.syntheticRows(120, seed: seed)
        let store = try Store.create(Self.options(directory + "/store", data: try Self.write(lines, in: directory, name: "train.csv"), k: k))
        _ = try store.train(showProgress: false)
        let initial = try store.liveSchemaStats(try store.liveVersion().manifest)!
        var removedCells: [UInt64] = []
        var rng = SplitMix64(seed: seed &* 977)
        var rebuilds = 0
        for round in 0..<3 {
            // Prefer records of rare values, so that rounds cross the threshold.
            let rare = lines.indices.filter { i in ["teal", "mauve", "ochre"].contains { lines[i].contains(", \($0),") } || lines[i].hasSuffix(", maybe") }
            let pool = rare.isEmpty ? Array(lines.indices) : rare
            let picks = Set((0..<(1 + Int(rng.next() % 3))).map { _ in pool[Int(rng.next() % UInt64(pool.count))] })
            let ids = picks.map { String(lines[$0].split(separator: ",")[0]) }
            // The cells the store keeps for them, for the incremental statistics below.
            for id in ids {
                let entry = try store.record(id: id)!
                let file = try store.liveVersion().manifest.shards[entry.shard].rows[entry.slice]
                let rows = try store.files.readRows(file)
                let i = rows.keys.firstIndex(of: store.keyer.record(id))!
                removedCells += rows.cells[(i * rows.cellWidth)..<((i + 1) * rows.cellWidth)]
            }
            _ = try store.requestDeletion(ids.map { .record($0) }, requestedBy: nil, reason: nil)
            let report = try store.retrain(showProgress: false)
            #expect(report.status == .completed)
            if report.plan?.schemaRebuild == true { rebuilds += 1 }
            lines = lines.enumerated().filter { !picks.contains($0.offset) }.map(\.element)

            // No category or class with fewer than k live records is named.
            let schema = store.config.schema
            let colors = Self.counts(lines, field: 4)
            guard case .categorical(_, _, let vocabulary, true) = schema.encoders[2] else { Issue.record("color is categorical with other"); return }
            for value in vocabulary { #expect(colors[value, default: 0] >= k, "'\(value)' has \(colors[value, default: 0]) live records") }
            let labels = Self.counts(lines, field: 5)
            for label in schema.classes where label != FeatureSchema.otherClass {
                #expect(labels[label, default: 0] >= k, "class '\(label)' has \(labels[label, default: 0]) live records")
            }
            #expect(schema.classes.contains(FeatureSchema.otherClass) == labels.contains { $0.value < k })

            try Self.expectFromScratch(store, lines: lines, k: k, directory: directory, tag: "\(seed)-\(round)")
            try Self.expectReplayable(store)
            // Incremental statistics (initial minus the deleted cells) equal the live ones.
            var incremental = initial
            incremental.add(removedCells, schema: schema, sign: -1)
            #expect(incremental == (try store.liveSchemaStats(try store.liveVersion().manifest)))
        }
        _ = rebuilds  // seeds differ in whether a round crosses a threshold; the next test makes sure one does
    }

    @Test func deletionBelowKRebuildsSaysSoAndEqualsFromScratch() throws {
        _ = Fixtures.quietLogs
        let k = 4
        let directory = try Fixtures.temporaryDirectory()
        // Exactly k records carry "scarlet": deleting one drops it below k.
        var lines = Self.syntheticRows(80, seed: 11).map { $0.replacingOccurrences(of: ", teal,", with: ", red,") }
        for n in 0..<k { lines[10 * n + 3] = "id-\(10 * n + 3), s-0, 1.5, 2, scarlet, yes" }
        let store = try Store.create(Self.options(directory + "/store", data: try Self.write(lines, in: directory, name: "train.csv"), k: k, shards: 3, slices: 2))
        _ = try store.train(showProgress: false)
        guard case .categorical(_, _, let before, _) = store.config.schema.encoders[2] else { Issue.record("categorical"); return }
        #expect(before.contains("scarlet"))

        let (plan, change) = try store.estimateWithSchema(adding: [.record("id-13")])
        #expect(plan.schemaRebuild == true)
        #expect(plan.shards.count == 3 && plan.shards.allSatisfy { $0.firstSlice == 0 })
        #expect(change?.lines.contains { $0.contains("'scarlet' → other") } == true)
        // A deletion of a common record keeps the schema and the ordinary plan.
        let (ordinary, same) = try store.estimateWithSchema(adding: [.record("id-0")])
        #expect(ordinary.schemaRebuild == nil || same?.changes == true)

        _ = try store.requestDeletion([.record("id-13")], requestedBy: nil, reason: nil)
        let report = try store.retrain(showProgress: false)
        #expect(report.plan?.schemaRebuild == true)
        #expect(try store.liveVersion().version.kind == .rebuild)
        #expect(try store.ledger.job(id: report.job!)!.plan.contains("\"schema_rebuild\":true"))
        // The receipt says which path was taken and lists every shard's replaced files.
        let receipt = try #require(try store.ledger.request(id: report.completedRequests[0])?.receipt)
        #expect(receipt.contains("\"schema_rebuild\":true"))
        let decoded = try JSONDecoder().decode(Receipt.self, from: Data(receipt.utf8))
        #expect(Set(decoded.retrained.map(\.shard)) == [0, 1, 2] && Set(decoded.replaced.map { $0.new.prefix(9) }).count == 3)
        lines.remove(at: 13)
        try Self.expectFromScratch(store, lines: lines, k: k, directory: directory, tag: "scarlet")
        try Self.expectReplayable(store)
        let text = try String(contentsOfFile: store.layout.configPath, encoding: .utf8)
        #expect(!text.contains("scarlet"), "store.json still names the category that left")
        #expect(!text.contains("retiredSchema"))
        // A second open sees the same, settled configuration.
        let reopened = try Store.open(store.layout.root)
        #expect(reopened.config.schema == store.config.schema)
        #expect(Store.doctor(store.layout.root).healthy)
    }

    @Test func theOnlyHolandNetherlandsRecordLeavesNoTrace() throws {
        _ = Fixtures.quietLogs
        let directory = try Fixtures.temporaryDirectory()
        let holand = Fixtures.adultLines.firstIndex { $0.contains("Holand-Netherlands") }!
        let lines = (Array(Fixtures.adultLines.prefix(300)) + [Fixtures.adultLines[holand]]).enumerated().map { "person-\($0.offset), h-\($0.offset), \($0.element)" }
        let data = try Self.write(lines, in: directory, name: "adult.csv")
        var options = Self.options(directory + "/store", data: data, k: 10, shards: 2, slices: 3)
        options.csv?.label = "last"
        let store = try Store.create(options)
        _ = try store.train(showProgress: false)
        let hash = store.keyer.value(column: 15, "Holand-Netherlands")
        let hashBytes = withUnsafeBytes(of: hash) { Array($0) }
        #expect(try Self.storeHolds(store, text: "Holand", bytes: hashBytes) == ["row payload"], "before: only its own row holds it")

        _ = try store.requestDeletion([.record("person-300")], requestedBy: nil, reason: nil)
        #expect(try store.retrain(showProgress: false).status == .completed)
        #expect(try Self.storeHolds(store, text: "Holand", bytes: hashBytes).isEmpty)
    }

    /// Where under the store the text (or the byte string) appears: store.json, and every row
    /// and checkpoint file's decompressed payload.
    static func storeHolds(_ store: Store, text: String, bytes: [UInt8]) throws -> Set<String> {
        var found = Set<String>()
        let needles = [Array(text.utf8), bytes]
        func contains(_ haystack: [UInt8]) -> Bool {
            needles.contains { needle in
                haystack.count >= needle.count && (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
            }
        }
        if contains(try AtomicFile.read(store.layout.configPath)) { found.insert("store.json") }
        for file in store.layout.storeFiles(shard: nil) {
            let raw = try AtomicFile.read(store.layout.path(file))
            if file.contains(".rows.") {
                let (_, payload) = try Container.decode(raw, kind: RowsFile.kind, path: file, as: RowsFile.Metadata.self)
                if contains(payload) { found.insert("row payload") }
            } else {
                let (_, payload) = try Container.decode(raw, kind: CheckpointFile.kind, path: file, as: CheckpointFile.Metadata.self)
                if contains(payload) { found.insert("checkpoint payload") }
            }
        }
        return found
    }
}
