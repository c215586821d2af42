import Foundation
import UnlearnData

// libFuzzer target: the IDX importer (images + labels; fit, then apply).
// Input: byte 0 = flags (bit 0: a labels file is given), bytes 1..4 = images length n
// (little-endian, clamped to what is there), then n image-file bytes, then the labels file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 5 else { return 0 }
    let flags = data[0]
    let declared = Int(data[1]) | Int(data[2]) << 8 | Int(data[3]) << 16 | Int(data[4]) << 24
    let imagesCount = min(declared, size - 5)
    let images = FuzzScratch.write("images.idx", UnsafeRawBufferPointer(start: data + 5, count: imagesCount))
    let labelsURL: URL? = flags & 1 != 0
        ? FuzzScratch.write("labels.idx", UnsafeRawBufferPointer(start: data + 5 + imagesCount, count: size - 5 - imagesCount))
        : nil
    guard let (schema, _) = try? Importer.fit(format: .idx, data: images, labels: labelsURL, csv: nil) else { return 0 }
    _ = try? Importer.apply(schema, data: images, labels: labelsURL, requireLabels: labelsURL != nil)
    _ = try? Importer.apply(schema, data: images, labels: nil, requireLabels: false)
    return 0
}
