#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

extension Importer {
    /// Reads a whole file into memory with plain POSIX calls, so a failure names the path and errno.
    static func readBytes(_ url: URL) throws -> [UInt8] {
        let path = url.path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw unreadable(path, errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw unreadable(path, errno) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw ImportError(.unreadable, file: path, message: "not a regular file",
                              hint: "Pass the path of a data file, not a directory.")
        }
        let size = Int(info.st_size)
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var done = 0
            while done < size {
                let n = read(fd, buffer.baseAddress! + done, size - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                if n == 0 { break }  // the file shrank while reading
                done += n
            }
            initialized = done
        }
        if failure != 0 { throw unreadable(path, failure) }
        // Shipped datasets are zstd-compressed: read them directly.
        if path.hasSuffix(".zst") {
            do {
                return try Codec.decompressFile(bytes)
            } catch {
                throw ImportError(.unreadable, file: path, message: "cannot decompress the file (\(error))",
                                  hint: "Check that it is a complete .zst file, or pass the uncompressed file.")
            }
        }
        return bytes
    }

    private static func unreadable(_ path: String, _ code: Int32) -> ImportError {
        ImportError(.unreadable, file: path, message: "cannot read the file (\(String(cString: strerror(code))))",
                    hint: "Check the path and its permissions.")
    }
}
