import Foundation
import UnlearnData

// libFuzzer target: the CSV importer (fit, then apply with the learned schema, with and without labels).
// Input: byte 0 picks the options (header mode, delimiter, id/subject/prior/categorical columns,
// plain or .zst file name); the rest is the file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let flags = data[0]
    let file = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    let header: HeaderMode = [.auto, .present, .absent, .auto][Int(flags & 3)]
    let options = CSVOptions(
        header: header,
        delimiter: flags & 4 != 0 ? UInt8(ascii: ";") : UInt8(ascii: ","),
        label: flags & 8 != 0 ? "0" : "last",
        id: flags & 16 != 0 ? "1" : nil,
        subject: flags & 32 != 0 ? "2" : nil,
        prior: flags & 64 != 0 ? "3" : nil,
        priorLikely: flags & 64 != 0 ? ["yes"] : [],
        categorical: flags & 16 != 0 ? [] : ["1"])
    // .zst names go through the streaming zstd decoder first.
    let url = FuzzScratch.write(flags & 128 != 0 ? "input.csv.zst" : "input.csv", file)
    guard let (schema, _) = try? Importer.fit(format: .csv, data: url, labels: nil, csv: options) else { return 0 }
    _ = try? Importer.apply(schema, data: url, labels: nil, requireLabels: true)
    _ = try? Importer.apply(schema, data: url, labels: nil, requireLabels: false)
    return 0
}
