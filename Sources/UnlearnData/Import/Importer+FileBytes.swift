#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZlib
import Foundation

extension Importer {
    /// The path that means standard input.
    public static let standardInputPath = "-"

    /// Reads a whole input into memory with plain POSIX calls, so a failure names the path and errno.
    ///
    /// `-` is standard input; pipes and process substitution (`<(…)`) are read to their end.
    /// gzip and zstd data are recognised by their magic bytes (whatever the name) and decompressed.
    static func readBytes(_ url: URL) throws -> [UInt8] {
        try readInput(url).bytes
    }

    /// Reads an input like `readBytes`, and also returns the sha256 of its bytes as stored
    /// (before decompression), since a stream cannot be read twice.
    static func readInput(_ url: URL) throws -> (bytes: [UInt8], sha256: String) {
        let path = url.path
        let isStdin = url.relativePath == standardInputPath
        let fd = isStdin ? STDIN_FILENO : open(path, O_RDONLY)
        let shown = isStdin ? "standard input" : path
        guard fd >= 0 else { throw unreadable(path, errno) }
        defer { if !isStdin { close(fd) } }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw unreadable(shown, errno) }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw ImportError(.unreadable, file: shown, message: "a directory, not a data file",
                              hint: "Pass the path of a data file.")
        }
        // One byte more than a regular file's size, so reading it whole needs no second buffer.
        let bytes = try readAll(fd, sizeHint: (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) + 1 : 1 << 20, path: shown)
        return (try decompressIfNeeded(bytes, path: shown), sha256Hex(bytes))
    }

    /// Reads a descriptor to its end.
    private static func readAll(_ fd: Int32, sizeHint: Int, path: String) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: max(sizeHint, 4096))
        var done = 0
        while true {
            if done == bytes.count { bytes.append(contentsOf: repeatElement(0, count: bytes.count)) }
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw unreadable(path, errno)
            }
            if n == 0 { break }
            done += n
        }
        bytes.removeLast(bytes.count - done)
        return bytes
    }

    /// zstd (`28 B5 2F FD`) and gzip (`1F 8B`) data, decompressed; anything else as it is.
    static func decompressIfNeeded(_ bytes: [UInt8], path: String) throws -> [UInt8] {
        if bytes.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) {
            do {
                return try Codec.decompressFile(bytes)
            } catch {
                throw ImportError(.unreadable, file: path, message: "cannot decompress the file (\(error))",
                                  hint: "Check that it is a complete .zst file, or pass the uncompressed file.")
            }
        }
        if bytes.starts(with: [0x1F, 0x8B]) { return try gunzip(bytes, path: path) }
        return bytes
    }

    /// Decompresses gzip data (every member, as `gzip -d` does) with the system zlib.
    static func gunzip(_ input: [UInt8], path: String) throws -> [UInt8] {
        var output = [UInt8]()
        output.reserveCapacity(input.count * 4)
        var stream = z_stream()
        // 15 + 32: a zlib or gzip header, detected.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ImportError(.unreadable, file: path, message: "cannot start gzip decompression", hint: "Decompress the file with gunzip first.")
        }
        defer { inflateEnd(&stream) }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var offset = 0
        try input.withUnsafeBufferPointer { source in
            while true {
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress! + offset)
                stream.avail_in = UInt32(min(source.count - offset, Int(UInt32.max)))
                let status = chunk.withUnsafeMutableBufferPointer { out -> Int32 in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                output.append(contentsOf: chunk[0..<produced])
                offset = source.count - Int(stream.avail_in)
                switch status {
                case Z_OK:
                    if produced == 0 && stream.avail_in == 0 { throw truncatedGzip(path) }
                case Z_STREAM_END:
                    // Another gzip member may follow (files joined with cat).
                    guard offset < source.count, source[offset] == 0x1F else { return }
                    guard inflateReset(&stream) == Z_OK else { throw truncatedGzip(path) }
                case Z_BUF_ERROR:
                    throw truncatedGzip(path)
                default:
                    let reason = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                    throw ImportError(.unreadable, file: path, message: "cannot decompress the gzip data (\(reason))",
                                      hint: "Check that it is a complete .gz file, or pass the uncompressed file.")
                }
            }
        }
        return output
    }

    private static func truncatedGzip(_ path: String) -> ImportError {
        ImportError(.unreadable, file: path, message: "cannot decompress the gzip data (it ends too early)",
                    hint: "Check that it is a complete .gz file, or pass the uncompressed file.")
    }

    private static func unreadable(_ path: String, _ code: Int32) -> ImportError {
        ImportError(code == ENOENT ? .notFound : .unreadable, file: path, message: "cannot read the file (\(String(cString: strerror(code))))",
                    hint: "Check the path and its permissions.")
    }
}
