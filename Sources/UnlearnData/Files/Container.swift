import Crypto
import Foundation

/// The on-disk container shared by row files and checkpoints.
///
/// Layout (little-endian):
/// ```
/// 0   magic "UNLEARN\0"           8 bytes
/// 8   format version              u32
/// 12  header length H             u32
/// 16  header, JSON                H bytes   (kind, sizes, codec, payload sha256, metadata)
/// ..  payload, shuffled + zstd    header.compressedBytes
/// end sha256 of everything above  32 bytes  (catches any flipped bit or truncation)
/// ```
/// The payload's own sha256 (over the raw bytes) identifies content across re-encodings.
public struct ContainerHeader<Metadata: Codable & Equatable & Sendable>: Codable, Equatable, Sendable {
    public var kind: String
    public var payloadBytes: Int
    public var compressedBytes: Int
    /// Leading payload bytes that were byte-shuffled (4-byte elements) before compression.
    public var shuffledBytes: Int
    public var codec: String
    public var payloadSHA256: String
    public var metadata: Metadata
}

public enum Container {
    static let magic: [UInt8] = Array("UNLEARN\0".utf8)
    static let version: UInt32 = 1

    /// Encodes `payload`; its first `shuffledBytes` bytes are 4-byte numbers and get byte-shuffled.
    public static func encode<M: Codable & Equatable & Sendable>(
        kind: String, metadata: M, payload: [UInt8], shuffledBytes: Int, shuffle: Bool = true
    ) throws -> [UInt8] {
        let shuffled = shuffle ? shuffledBytes : 0
        var prepared = payload.withUnsafeBytes { Codec.shuffle(UnsafeRawBufferPointer(rebasing: $0[..<shuffled])) }
        prepared += payload[shuffled...]
        let compressed = try Codec.compress(prepared)
        let header = ContainerHeader(
            kind: kind, payloadBytes: payload.count, compressedBytes: compressed.count, shuffledBytes: shuffled,
            codec: "shuffle4+zstd", payloadSHA256: sha256Hex(payload), metadata: metadata)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let headerBytes = [UInt8](try encoder.encode(header))
        var file = magic
        file.reserveCapacity(16 + headerBytes.count + compressed.count + 32)
        appendLittleEndian(version, to: &file)
        appendLittleEndian(UInt32(headerBytes.count), to: &file)
        file += headerBytes
        file += compressed
        file += SHA256.hash(data: file)
        return file
    }

    /// Decodes and fully verifies a container read from `path` (the path is only used in errors).
    public static func decode<M: Codable & Equatable & Sendable>(
        _ file: [UInt8], kind: String, path: String, as: M.Type
    ) throws(CorruptFileError) -> (header: ContainerHeader<M>, payload: [UInt8]) {
        func corrupt(_ problem: String) -> CorruptFileError { CorruptFileError(path: path, problem: problem) }
        guard file.count >= 16 + 32 else { throw corrupt("it is truncated (\(file.count) bytes)") }
        guard Array(file[0..<8]) == magic else { throw corrupt("it is not an unlearn \(kind) file (bad magic number)") }
        let version = readLittleEndian(file, at: 8)
        guard version == Self.version else { throw corrupt("it has format version \(version); this build reads version \(Self.version)") }
        let body = file[..<(file.count - 32)]
        let stored = Array(file[(file.count - 32)...])
        let computed = Array(SHA256.hash(data: body))
        guard stored == computed else {
            throw corrupt("its checksum does not match (stored \(hex(stored).prefix(12))…, computed \(hex(computed).prefix(12))…): the file is truncated or damaged")
        }
        let headerLength = Int(readLittleEndian(file, at: 12))
        guard 16 + headerLength <= body.count else { throw corrupt("its header length is out of range") }
        let header: ContainerHeader<M>
        do {
            header = try JSONDecoder().decode(ContainerHeader<M>.self, from: Data(file[16..<(16 + headerLength)]))
        } catch {
            throw corrupt("its header cannot be read (\(error))")
        }
        guard header.kind == kind else { throw corrupt("it holds a \(header.kind), not a \(kind)") }
        // Sizes come from the file: check them before any arithmetic, allocation or slicing with them.
        guard header.payloadBytes >= 0, header.compressedBytes >= 0,
              (0...header.payloadBytes).contains(header.shuffledBytes) else {
            throw corrupt("its header gives impossible sizes (payload \(header.payloadBytes), compressed \(header.compressedBytes), shuffled \(header.shuffledBytes))")
        }
        let start = 16 + headerLength
        guard header.compressedBytes == body.count - start else { throw corrupt("its payload length does not match its header") }
        let payload: [UInt8]
        do {
            let raw = try Codec.decompress(file[start..<(start + header.compressedBytes)], expectedSize: header.payloadBytes)
            var restored = raw.withUnsafeBytes { Codec.unshuffle(UnsafeRawBufferPointer(rebasing: $0[..<header.shuffledBytes])) }
            if header.shuffledBytes < raw.count { restored += raw[header.shuffledBytes...] }
            payload = restored
        } catch {
            throw corrupt("its payload cannot be decompressed (\(error))")
        }
        // No second hash over the payload: the whole-file sha256 above already covers the header and
        // the compressed bytes, and decompression is deterministic (this halves the decode cost).
        return (header, payload)
    }

    /// Reads only the header (no payload verification): for listings and lineage checks.
    public static func peekHeader<M: Codable & Equatable & Sendable>(_ file: [UInt8], as: M.Type) -> ContainerHeader<M>? {
        guard file.count >= 16, Array(file[0..<8]) == magic else { return nil }
        let length = Int(readLittleEndian(file, at: 12))
        guard 16 + length <= file.count else { return nil }
        return try? JSONDecoder().decode(ContainerHeader<M>.self, from: Data(file[16..<(16 + length)]))
    }
}

/// A store file that failed verification. The message names the file; `hint` says what to run.
public struct CorruptFileError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let problem: String
    public var hint: String = "Restore it from a backup; a damaged checkpoint can also be rebuilt with 'unlearn train --shard N'."

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "'\(path)' is unusable: \(problem). \(hint)" }
}

public func sha256Hex<D: DataProtocol>(_ data: D) -> String { hex(Array(SHA256.hash(data: data))) }

public func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 15)])
    }
    return String(decoding: out, as: UTF8.self)
}

func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
}

func readLittleEndian(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
}
