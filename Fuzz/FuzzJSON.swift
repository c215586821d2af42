import Foundation
import UnlearnData

// libFuzzer target: JSONReader, differentially. Wherever the reader answers, Foundation's
// JSONDecoder must read the same value; a disagreement (or any crash) is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    guard let value = JSONReader.parse(bytes) else { return 0 }
    let decoded = try? JSONDecoder().decode(JSONValue.self, from: bytes)
    if decoded != value {
        fatalError("JSONReader read \(value), JSONDecoder read \(decoded.map { "\($0)" } ?? "an error")")
    }
    return 0
}
