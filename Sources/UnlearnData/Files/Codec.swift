import CKernels
import CZstd

/// Byte-shuffle plus zstd: the payload codec of every store file.
///
/// Shuffling groups the k-th byte of every 4-byte float together; exponents and high mantissa
/// bytes of trained weights are similar, so zstd finds far more redundancy (≈1.27× vs ≈1.11× here).
public enum Codec {
    public static let level: Int32 = 3

    /// Transposes `count` elements of `width` bytes into `width` planes of `count` bytes (a C
    /// kernel: the one hot loop of the codec, kept out of this module's checked Swift).
    public static func shuffle(_ input: UnsafeRawBufferPointer, width: Int = 4) -> [UInt8] {
        transpose(input, width: width, unlearn_shuffle)
    }

    /// Inverse of ``shuffle(_:width:)``.
    public static func unshuffle(_ input: UnsafeRawBufferPointer, width: Int = 4) -> [UInt8] {
        transpose(input, width: width, unlearn_unshuffle)
    }

    private static func transpose(
        _ input: UnsafeRawBufferPointer, width: Int,
        _ kernel: (UnsafePointer<UInt8>?, UnsafeMutablePointer<UInt8>?, Int, Int) -> Void
    ) -> [UInt8] {
        precondition(width >= 1)
        let count = input.count / width
        return [UInt8](unsafeUninitializedCapacity: input.count) { out, initialised in
            let source = input.bindMemory(to: UInt8.self)
            if count > 0 { kernel(source.baseAddress, out.baseAddress, count, width) }
            // A tail that is not a whole element is copied as is.
            for i in (count * width)..<input.count { out[i] = source[i] }
            initialised = input.count
        }
    }

    public static func compress(_ input: [UInt8], level: Int32 = Codec.level) throws -> [UInt8] {
        let bound = ZSTD_compressBound(input.count)
        var output = [UInt8](repeating: 0, count: bound)
        let written = input.withUnsafeBytes { src in
            output.withUnsafeMutableBytes { dst in
                ZSTD_compress(dst.baseAddress, bound, src.baseAddress, input.count, level)
            }
        }
        if ZSTD_isError(written) != 0 { throw CodecError(message: String(cString: ZSTD_getErrorName(written))) }
        output.removeSubrange(written...)
        return output
    }

    public static func decompress(_ input: ArraySlice<UInt8>, expectedSize: Int) throws -> [UInt8] {
        // Allocate only what the frame itself declares, and only when that is what is expected.
        let declared = input.withUnsafeBytes { ZSTD_getFrameContentSize($0.baseAddress, $0.count) }
        guard expectedSize >= 0, declared == UInt64(expectedSize) else {
            throw CodecError(message: "the frame declares \(Int64(bitPattern: declared)) bytes, header says \(expectedSize)")
        }
        var output = [UInt8](repeating: 0, count: expectedSize)
        let written = input.withUnsafeBytes { src in
            output.withUnsafeMutableBytes { dst in
                ZSTD_decompress(dst.baseAddress, expectedSize, src.baseAddress, input.count)
            }
        }
        if ZSTD_isError(written) != 0 { throw CodecError(message: String(cString: ZSTD_getErrorName(written))) }
        guard written == expectedSize else {
            throw CodecError(message: "decompressed \(written) bytes, header says \(expectedSize)")
        }
        return output
    }
}

public struct CodecError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { "zstd: \(message)" }
}

extension Codec {
    /// Decompresses a complete `.zst` file (one or more frames, sizes unknown) by streaming.
    public static func decompressFile(_ input: [UInt8]) throws -> [UInt8] {
        guard let stream = ZSTD_createDStream() else { throw CodecError(message: "out of memory") }
        defer { ZSTD_freeDStream(stream) }
        ZSTD_initDStream(stream)
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 4)
        let chunk = ZSTD_DStreamOutSize()
        var buffer = [UInt8](repeating: 0, count: chunk)
        var lastResult = 0
        try input.withUnsafeBytes { src in
            var inBuffer = ZSTD_inBuffer(src: src.baseAddress, size: src.count, pos: 0)
            // Keep going while input remains or the last call filled the output (more may be buffered).
            while true {
                let written = try buffer.withUnsafeMutableBytes { dst -> Int in
                    var outBuffer = ZSTD_outBuffer(dst: dst.baseAddress, size: chunk, pos: 0)
                    let result = ZSTD_decompressStream(stream, &outBuffer, &inBuffer)
                    if ZSTD_isError(result) != 0 { throw CodecError(message: String(cString: ZSTD_getErrorName(result))) }
                    lastResult = result
                    return outBuffer.pos
                }
                output += buffer[..<written]
                if inBuffer.pos == inBuffer.size && written < chunk { break }
            }
        }
        guard lastResult == 0 else { throw CodecError(message: "the file ends in the middle of a zstd frame (truncated)") }
        return output
    }
}
