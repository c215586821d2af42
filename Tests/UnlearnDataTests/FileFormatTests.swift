import Foundation
import Synchronization
import Testing
import UnlearnCore
import UnlearnData

func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "unlearn-test-" + UUID().uuidString
    try AtomicFile.makeDirectory(path)
    return path
}

func sampleState(seed: UInt64 = 3, optimizer: OptimizerKind = .adam) -> (TrainingState, CheckpointFile.Metadata) {
    let shape = NetworkShape(inputs: 20, model: ModelSpec(hidden: [16]), outputs: 4)
    var rng = SplitMix64(seed: seed)
    let parameters = Network.initialParameters(shape, rng: &rng)
    let moments = (0..<(optimizer == .adam ? 2 : 1)).map { _ in parameters.map { $0 * 0.01 } }
    let state = TrainingState(parameters: parameters, moments: moments, step: 1234)
    let metadata = CheckpointFile.Metadata(
        shard: 3, slice: 7, shape: shape, optimizer: optimizer, step: 1234, momentCount: moments.count, trainedOn: ["abc", "def"])
    return (state, metadata)
}

func sampleRows(count: Int = 50, features: Int = 5) -> SliceRows {
    var rng = SplitMix64(seed: 9)
    let keyer = Keyer(secret: Array(repeating: 7, count: 32))
    let keys = (0..<count).map { keyer.record("id-\($0)") }
    let subjects: [RecordKey?] = (0..<count).map { $0 % 3 == 0 ? nil : keyer.subject("s-\($0 % 5)") }
    let data = SliceData(labels: (0..<count).map { _ in Int32(rng.below(3)) }, features: (0..<(count * features)).map { _ in rng.unitFloat() })
    return SliceRows(keys: keys, subjects: subjects, data: data)
}

struct FileFormatTests {
    @Test(arguments: [OptimizerKind.sgd, .adam])
    func checkpointRoundTrip(optimizer: OptimizerKind) throws {
        let (state, metadata) = sampleState(optimizer: optimizer)
        let bytes = try CheckpointFile.encode(state, metadata: metadata)
        let (decodedMetadata, decoded) = try CheckpointFile.decode(bytes, path: "x.ckpt.zst")
        #expect(decoded == state)
        #expect(decodedMetadata == metadata)
        // Encoding is deterministic: the same state gives the same bytes.
        #expect(try CheckpointFile.encode(state, metadata: metadata) == bytes)
    }

    @Test func rowsRoundTripAndRemoval() throws {
        let rows = sampleRows()
        let bytes = try RowsFile.encode(rows, shard: 1, slice: 2, featureCount: 5)
        let (metadata, decoded) = try RowsFile.decode(bytes, path: "x.rows.zst")
        #expect(decoded == rows)
        #expect(metadata.count == 50 && metadata.shard == 1 && metadata.slice == 2)
        let removed = rows.removing([rows.keys[3], rows.keys[40]])
        #expect(removed.count == 48)
        #expect(!removed.keys.contains(rows.keys[3]))
        #expect(Array(removed.data.features[(3 * 5)..<(4 * 5)]) == Array(rows.data.features[(4 * 5)..<(5 * 5)]))
    }

    @Test func everyFlippedBitIsDetected() throws {
        let (state, metadata) = sampleState()
        let bytes = try CheckpointFile.encode(state, metadata: metadata)
        // Flip one bit at positions across magic, header, payload and trailer.
        for position in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 300)) {
            var damaged = bytes
            damaged[position] ^= 0x10
            #expect(throws: CorruptFileError.self) { try CheckpointFile.decode(damaged, path: "shard-003/slice-007.g1.ckpt.zst") }
        }
    }

    @Test func truncatedFileIsDetectedWithItsName() throws {
        let (state, metadata) = sampleState()
        let bytes = try CheckpointFile.encode(state, metadata: metadata)
        for length in [0, 10, 47, bytes.count / 2, bytes.count - 1] {
            do {
                _ = try CheckpointFile.decode(Array(bytes.prefix(length)), path: "shard-003/slice-007.g1.ckpt.zst")
                Issue.record("truncation to \(length) bytes was not detected")
            } catch {
                #expect(error.description.contains("shard-003/slice-007.g1.ckpt.zst"))
                #expect(error.description.contains("truncated"))
            }
        }
    }

    @Test func wrongKindIsRejected() throws {
        let rows = try RowsFile.encode(sampleRows(), shard: 0, slice: 0, featureCount: 5)
        #expect(throws: CorruptFileError.self) { try CheckpointFile.decode(rows, path: "r") }
    }

    /// The C shuffle kernel against the definition written out in Swift, for every width and a
    /// tail that is not a whole element.
    @Test(arguments: 1...8)
    func shuffleMatchesTheDefinition(width: Int) {
        var rng = SplitMix64(seed: UInt64(width))
        for length in [0, 1, width - 1, width, 3 * width + 1, 257, 4_099] where length >= 0 {
            let raw = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let count = length / width
            var expected = raw
            for byte in 0..<width { for i in 0..<count { expected[byte * count + i] = raw[i * width + byte] } }
            let shuffled = raw.withUnsafeBytes { Codec.shuffle($0, width: width) }
            #expect(shuffled == expected, "width \(width), length \(length)")
            #expect(shuffled.withUnsafeBytes { Codec.unshuffle($0, width: width) } == raw)
        }
    }

    @Test func shuffleRoundTripsAndCompressesWeightsBetter() throws {
        var rng = SplitMix64(seed: 5)
        // Weights of similar magnitude, like trained parameters.
        let weights = (0..<50_000).map { _ in (rng.unitFloat() - 0.5) * 0.1 }
        let raw = weights.withUnsafeBytes { Array($0) }
        let shuffled = raw.withUnsafeBytes { Codec.shuffle($0) }
        #expect(shuffled.withUnsafeBytes { Codec.unshuffle($0) } == raw)
        let plain = try Codec.compress(raw).count
        let better = try Codec.compress(shuffled).count
        #expect(better < plain)
        #expect(try Codec.decompress(Codec.compress(shuffled)[...], expectedSize: raw.count) == shuffled)
    }

    @Test func atomicWriteIsOwnerOnlyAndReplaces() throws {
        let directory = try temporaryDirectory()
        let path = directory + "/file.bin"
        try AtomicFile.write([1, 2, 3], to: path)
        try AtomicFile.write([4, 5], to: path)
        #expect(try AtomicFile.read(path) == [4, 5])
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(leftovers == ["file.bin"], "no temp files remain")
    }

    @Test func keysAreKeyedAndStable() {
        let a = Keyer(secret: Array(repeating: 1, count: 32)), b = Keyer(secret: Array(repeating: 2, count: 32))
        #expect(a.record("alice") == a.record("alice"))
        #expect(a.record("alice") != b.record("alice"))
        #expect(a.record("alice") != a.subject("alice"))
        let key = a.record("alice")
        #expect(RecordKey(hex: key.hex) == key)
        #expect(key.hex.count == 32)
        let keys = (0..<100).map { a.record("r\($0)") }
        #expect(keys.sorted().map(\.hex) == keys.map(\.hex).sorted())
    }

    /// Python's `hmac.new(bytes([1] * 32), text.encode(), hashlib.sha256)` is the oracle.
    @Test func keysAreHMACSHA256AsPythonComputesIt() {
        let keyer = Keyer(secret: Array(repeating: 1, count: 32))
        #expect(keyer.record("alice").hex == "19a2cacc5cdd5384c3b8d0488302bea6")
        #expect(keyer.subject("alice").hex == "3c4648a96e3e3a64bc4c18037d4efedc")
        #expect(keyer.value(column: 3, "Private") == 0xc9c6d053d8514d11)
        #expect(keyer.record(String(repeating: "é", count: 100)).hex == "7e06510c5c250afba84fa224213ab7aa")
    }

    /// One keyer shared by many threads (it keeps a prepared HMAC that each key copies).
    @Test func oneKeyerAcrossThreadsGivesTheSameKeys() {
        let keyer = Keyer(secret: Array(repeating: 1, count: 32))
        let serial = (0..<4000).map { keyer.record("r\($0)") }
        let parallel = Mutex([RecordKey?](repeating: nil, count: serial.count))
        DispatchQueue.concurrentPerform(iterations: 8) { part in
            for i in stride(from: part, to: serial.count, by: 8) {
                let key = keyer.record("r\(i)")
                parallel.withLock { $0[i] = key }
            }
        }
        #expect(parallel.withLock { $0 } == serial)
        #expect(keyer.record("alice").hex == "19a2cacc5cdd5384c3b8d0488302bea6")
    }
}
