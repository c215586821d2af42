import Foundation
import Logging
import UnlearnCore
import UnlearnLedger
import UnlearnData

/// Everything `unlearn init` needs to create a store.
public struct CreateOptions: Sendable {
    public var root: String
    public var format: DataFormat
    public var data: URL
    public var labels: URL?
    public var csv: CSVOptions?
    public var shards: Int
    public var slices: Int
    public var training: TrainingConfig
    public var aggregation: Aggregation
    public var placement: PlacementStrategy
    public var dueDays: Int
    /// LibSVM: the largest feature index accepted.
    public var maxFeatures = Importer.defaultMaxFeatures
    /// The store's secret; nil draws a new one. A given secret builds the store a from-scratch
    /// comparison needs (the same keys and value hashes as another store's).
    public var secret: [UInt8]?

    public init(
        root: String, format: DataFormat, data: URL, labels: URL?, csv: CSVOptions?, shards: Int, slices: Int,
        training: TrainingConfig, aggregation: Aggregation, placement: PlacementStrategy, dueDays: Int
    ) {
        self.root = root
        self.format = format
        self.data = data
        self.labels = labels
        self.csv = csv
        self.shards = shards
        self.slices = slices
        self.training = training
        self.aggregation = aggregation
        self.placement = placement
        self.dueDays = dueDays
    }
}

extension Store {
    /// Imports the data, partitions it and writes a new store (untrained). Writes nothing until the
    /// whole import has been validated; `store.json`, written last, marks the store complete.
    public static func create(_ options: CreateOptions, logger: Logger = Logger(label: "unlearn")) throws -> Store {
        let layout = StoreLayout(root: options.root)
        try validate(options, layout: layout)
        // The key exists before the import: categorical values are kept as keyed hashes.
        let secret = options.secret ?? Keyer.newSecret()
        let keyer = Keyer(secret: secret)
        let (schema, data) = try Importer.fit(
            format: options.format, data: options.data, labels: options.labels, csv: options.csv, maxFeatures: options.maxFeatures,
            keyer: keyer)
        guard data.count >= options.shards * options.slices else {
            throw UnlearnError(.usage, "'\(options.data.path)' has \(data.count) records, fewer than \(options.shards) shards × \(options.slices) slices",
                               hint: "Use fewer shards or slices so that every slice can hold a record.")
        }
        let rule: PlacementRule
        switch options.placement {
        case .uniform:
            rule = PlacementRule(shards: options.shards, slices: options.slices, seed: options.training.seed)
        case .prior:
            guard let priors = data.priors else {
                throw UnlearnError(.usage, "--placement prior needs a deletion-likelihood column", hint: "Name it with --prior COL.")
            }
            rule = .prior(shards: options.shards, slices: options.slices, seed: options.training.seed, likelihoods: priors)
        }
        return try create(options, schema: schema, data: data, rule: rule, secret: secret, excluding: [], logger: logger)
    }

    /// Writes a new store from imported data: places each record by `rule`, leaves out the
    /// records whose keys are in `excluding` (a rebuild without deleted records), keys ids with
    /// `secret`.
    static func create(
        _ options: CreateOptions, schema: FeatureSchema, data: ImportedData, rule: PlacementRule, secret: [UInt8],
        excluding: Set<RecordKey>, logger: Logger
    ) throws -> Store {
        let layout = StoreLayout(root: options.root)
        guard schema.classes.count >= 2 else {
            throw UnlearnError(.data, "'\(options.data.path)' has only one label value (\(schema.classes.first ?? "none"))", hint: "Check the --label column.")
        }
        try refuseExistingStoreFiles(layout)
        try AtomicFile.makeDirectory(layout.root)
        // Owner-only even when the folder existed before init (`--store shards`, checked out 0755).
        try AtomicFile.restrictToOwner(layout.root)
        try AtomicFile.write(StoreSeal.keyFile(secret: secret), to: layout.secretPath)
        try ensureReceiptKey(layout)
        let keyer = Keyer(secret: secret)
        var config = StoreConfig(
            shards: options.shards, slices: options.slices, training: options.training, aggregation: options.aggregation,
            placement: options.placement, schema: schema, dueDays: options.dueDays, source: options.data.lastPathComponent)
        config.placementRule = rule
        let ledger = try Ledger(path: layout.ledgerPath)
        let store = Store(layout: layout, config: config, ledger: ledger, keyer: keyer, logger: logger)

        let keys = data.ids.map(keyer.record)
        let subjects = data.subjects.map { $0.map(keyer.subject) }
        guard Set(keys).count == keys.count else {
            throw UnlearnError(.data, "two record ids in '\(options.data.path)' map to the same key", hint: "Make the ids unique.")
        }
        var manifest = Manifest(shards: [])
        var entries: [RecordEntry] = []
        entries.reserveCapacity(data.count)
        let width = schema.featureCount
        let cellWidth = RawCells.width(schema)
        // members[shard][slice]: record indices, each slice in its canonical order (the record's
        // ordering draw, then its id hash): a function of the members alone, which deletion preserves.
        typealias Member = (order: UInt64, high: UInt64, low: UInt64, record: Int)
        var members = [[[Member]]](repeating: [[Member]](repeating: [], count: options.slices), count: options.shards)
        let priors = options.placement == .prior ? data.priors : nil
        for (record, key) in keys.enumerated() where !excluding.contains(key) {
            let bits = Self.placementBits(id: data.ids[record])
            let placement = Partitioner.place(record: bits, likelihood: priors?[record], rule: rule)
            members[placement.shard][placement.slice].append((Partitioner.orderKey(record: bits, seed: rule.seed), bits.high, bits.low, record))
        }
        var placed = 0
        for shard in 0..<options.shards {
            var files: [Manifest.File] = []
            for (slice, unordered) in members[shard].enumerated() {
                let ordered = unordered.sorted { ($0.order, $0.high, $0.low) < ($1.order, $1.high, $1.low) }.map(\.record)
                let rows: SliceRows
                if let cells = data.cells {
                    // Rows keep pre-encoding cells: their bytes do not depend on the schema.
                    var kept = [UInt64]()
                    kept.reserveCapacity(ordered.count * cellWidth)
                    for record in ordered { kept += cells[(record * cellWidth)..<((record + 1) * cellWidth)] }
                    rows = SliceRows(keys: ordered.map { keys[$0] }, subjects: ordered.map { subjects[$0] }, cells: kept, width: cellWidth)
                } else {
                    var features = [Float]()
                    features.reserveCapacity(ordered.count * width)
                    for record in ordered { features += data.features[(record * width)..<((record + 1) * width)] }
                    rows = SliceRows(
                        keys: ordered.map { keys[$0] }, subjects: ordered.map { subjects[$0] },
                        data: SliceData(labels: ordered.map { data.labels[$0] }, features: features))
                }
                files.append(try store.files.writeRows(rows, shard: shard, slice: slice, generation: 1))
                for record in ordered {
                    entries.append(RecordEntry(key: keys[record].hex, subjectKey: subjects[record]?.hex, shard: shard, slice: slice))
                }
                placed += ordered.count
            }
            manifest.shards.append(Manifest.Shard(rows: files, checkpoints: []))
        }
        try ledger.insertRecords(entries)
        _ = try store.publisher.publish(manifest, parent: nil, kind: .imported)
        try ledger.appendEvent(
            kind: .storeCreated, requestID: nil, recordKey: nil, shard: nil,
            payload: StorePayload.created(records: placed, shards: options.shards, slices: options.slices, sourceSHA256: try data.sourceSHA256 ?? fileHash(options.data)),
            at: Date())
        try config.save(layout, secret: secret)
        logger.info("store created", metadata: ["records": "\(placed)", "shards": "\(options.shards)", "slices": "\(options.slices)"])
        return store
    }

    /// The 128 bits a record's place is drawn from: an unkeyed hash of its id, so that the same
    /// data and seed give the same store whatever its secret (the keyed id would tie the models
    /// to the secret). Only ever computed at import and rebuild, where the raw id is at hand.
    static func placementBits(id: String) -> (high: UInt64, low: UInt64) {
        let key = RecordKey(hex: String(sha256Hex(Array(("placement\u{0}" + id).utf8)).prefix(32)))!
        return (key.high, key.low)
    }

    static func validate(_ options: CreateOptions, layout: StoreLayout) throws {
        guard options.shards >= 1, options.slices >= 1 else { throw UnlearnError(.usage, "--shards and --slices must be at least 1") }
        guard options.training.epochs >= 1 else { throw UnlearnError(.usage, "--epochs must be at least 1") }
        guard options.training.batchSize >= 1 else { throw UnlearnError(.usage, "--batch must be at least 1") }
        guard options.training.optimizer.learningRate > 0, options.training.optimizer.learningRate.isFinite else {
            throw UnlearnError(.usage, "--lr must be a positive number")
        }
        guard options.dueDays >= 1 else { throw UnlearnError(.usage, "--due-days must be at least 1") }
        try refuseExistingStoreFiles(layout)
    }

    /// Refuses a directory that holds any file a store is made of. The ledger is the compliance
    /// record and the key the only way to match ids to it: no command ever deletes them, so a
    /// half-created store (an init that was killed) is named, and left for a person to remove.
    static func refuseExistingStoreFiles(_ layout: StoreLayout) throws {
        let present = layout.existingStoreFiles()
        guard !present.isEmpty else { return }
        let shardFolders = present.filter { $0.hasPrefix("shard-") }.count
        let named = present.filter { !$0.hasPrefix("shard-") && !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") }
        let listed = (named + (shardFolders > 0 ? ["\(shardFolders) shard folder(s)"] : [])).joined(separator: ", ")
        if present.contains("store.json") {
            throw UnlearnError(.usage, "a store already exists at '\(layout.root)' (\(listed))",
                               hint: "Choose another --store. Nothing was changed.")
        }
        throw UnlearnError(.usage, "'\(layout.root)' holds store files but no store.json (\(listed)): an 'unlearn init' that was interrupted, or a store whose store.json was lost",
                           hint: """
                               Nothing was changed. If an init was interrupted and nothing in it is needed, remove the directory by hand \
                               (rm -r -- '\(layout.root)') and run init again. If it was a working store, restore store.json from a backup \
                               instead: its ledger.sqlite is the record of every deletion request.
                               """)
    }

    static func fileHash(_ url: URL) throws -> String {
        sha256Hex(try AtomicFile.read(url.path))
    }
}
