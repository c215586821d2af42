import Foundation
import Testing
import UnlearnCore
import UnlearnData

/// Inputs found by the container fuzzer (`ops/fuzz/run.sh container`): files whose trailing sha256
/// is valid (written by a buggy or hostile writer, or resealed) but whose header sizes are not.
/// Each must be rejected as a `CorruptFileError`, never trap, read out of bounds or allocate what
/// the header claims.
struct ContainerFuzzRegressionTests {
    /// Rewrites a container's JSON header with `edit` and reseals the trailing sha256.
    private func resealed(_ file: [UInt8], _ edit: (inout [String: Any]) -> Void) throws -> [UInt8] {
        func u32(_ at: Int) -> Int { Int(file[at]) | Int(file[at + 1]) << 8 | Int(file[at + 2]) << 16 | Int(file[at + 3]) << 24 }
        let headerLength = u32(12)
        var header = try #require(try JSONSerialization.jsonObject(with: Data(file[16..<(16 + headerLength)])) as? [String: Any])
        edit(&header)
        let newHeader = [UInt8](try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        var out = Array(file[0..<12])
        withUnsafeBytes(of: UInt32(newHeader.count).littleEndian) { out += $0 }
        out += newHeader
        out += file[(16 + headerLength)..<(file.count - 32)]
        let digest = sha256Hex(out)
        out += stride(from: 0, to: 64, by: 2).map { UInt8(digest[digest.index(digest.startIndex, offsetBy: $0)...].prefix(2), radix: 16)! }
        return out
    }

    private func checkpoint() throws -> [UInt8] {
        let (state, metadata) = sampleState(optimizer: .sgd)
        return try CheckpointFile.encode(state, metadata: metadata)
    }

    @Test func resealingAloneKeepsAFileValid() throws {
        let file = try checkpoint()
        _ = try CheckpointFile.decode(try resealed(file) { _ in }, path: "c")
    }

    /// The fuzzer's first find: shuffledBytes (5808) larger than payloadBytes (2904) made the
    /// unshuffle kernel read past the decompressed buffer (ASan heap-buffer-overflow).
    @Test(arguments: [
        ["shuffledBytes": 1 << 20], ["shuffledBytes": -4], ["payloadBytes": -1], ["payloadBytes": 1 << 40],
        ["payloadBytes": Int.max], ["compressedBytes": Int.max], ["compressedBytes": -1],
    ])
    func impossibleHeaderSizesAreCorrupt(edit: [String: Int]) throws {
        let damaged = try resealed(try checkpoint()) { header in
            for (key, value) in edit { header[key] = value }
        }
        #expect(throws: CorruptFileError.self) { try CheckpointFile.decode(damaged, path: "c") }
    }

    @Test(arguments: [[Int](), [7], [Int.max, 2], [-5, 4, 3], [1 << 40, 1 << 40]])
    func impossibleCheckpointShapesAreCorrupt(layers: [Int]) throws {
        let damaged = try resealed(try checkpoint()) { header in
            var metadata = header["metadata"] as! [String: Any]
            metadata["layers"] = layers
            header["metadata"] = metadata
        }
        #expect(throws: CorruptFileError.self) { try CheckpointFile.decode(damaged, path: "c") }
    }

    @Test(arguments: [-1, Int.max])
    func impossibleMomentCountsAreCorrupt(momentCount: Int) throws {
        let damaged = try resealed(try checkpoint()) { header in
            var metadata = header["metadata"] as! [String: Any]
            metadata["momentCount"] = momentCount
            header["metadata"] = metadata
        }
        #expect(throws: CorruptFileError.self) { try CheckpointFile.decode(damaged, path: "c") }
    }

    @Test(arguments: [(-1, 5), (Int.max / 4, 5), (2, Int.max / 2), (3, -2)])
    func impossibleRowCountsAreCorrupt(count: Int, features: Int) throws {
        let file = try RowsFile.encode(sampleRows(count: 2, features: 5), shard: 0, slice: 0, featureCount: 5)
        let damaged = try resealed(file) { header in
            var metadata = header["metadata"] as! [String: Any]
            metadata["count"] = count
            metadata["featureCount"] = features
            header["metadata"] = metadata
        }
        #expect(throws: CorruptFileError.self) { try RowsFile.decode(damaged, path: "r") }
    }
}
