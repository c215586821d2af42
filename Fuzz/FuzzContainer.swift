import Crypto
import Foundation
import UnlearnData

// libFuzzer target: the store's file container decoder and the two payload decoders on top of it
// (row files and checkpoints). The input is decoded as is (which mostly exercises the checksum
// check), then "resealed": its last 32 bytes are replaced by the sha256 of the rest, so mutations of
// the header, the zstd payload and the metadata reach the decoders behind the checksum, as a file
// written by a buggy or hostile writer would.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzContainer(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let raw = Array(UnsafeBufferPointer(start: data, count: size))
    decodeAll(raw)
    var sealed = Array(raw.dropLast(min(32, raw.count)))
    sealed += SHA256.hash(data: sealed)
    decodeAll(sealed)
    return 0
}

private func decodeAll(_ file: [UInt8]) {
    _ = Container.peekHeader(file, as: RowsFile.Metadata.self)
    _ = Container.peekHeader(file, as: CheckpointFile.Metadata.self)
    _ = try? RowsFile.decode(file, path: "fuzz.rows")
    _ = try? CheckpointFile.decode(file, path: "fuzz.ckpt")
}
