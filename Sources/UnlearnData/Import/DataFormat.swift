/// The file formats `Importer` reads.
///
/// - `csv`: delimited text with one record per row (see ``CSVOptions``).
/// - `idx`: the MNIST IDX binary format, images (`0x00000803`) plus a separate labels file (`0x00000801`).
/// - `libsvm`: sparse text lines `label index:value ...` with 1-based increasing indices.
public enum DataFormat: String, Codable, Sendable, CaseIterable {
    case csv, idx, libsvm
}
