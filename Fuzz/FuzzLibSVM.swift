import Foundation
import UnlearnData

// libFuzzer target: the LibSVM importer (fit, then apply with the learned schema, with and without labels).
// Input: the file, as is.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLibSVM(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let url = FuzzScratch.write("input.libsvm", UnsafeRawBufferPointer(start: data, count: size))
    // A small feature cap keeps every accepted input within the fuzzer's memory limit.
    guard let (schema, _) = try? Importer.fit(format: .libsvm, data: url, labels: nil, csv: nil, maxFeatures: 10_000) else { return 0 }
    _ = try? Importer.apply(schema, data: url, labels: nil, requireLabels: true)
    _ = try? Importer.apply(schema, data: url, labels: nil, requireLabels: false)
    return 0
}
