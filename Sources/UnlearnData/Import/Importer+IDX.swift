import Foundation

extension Importer {
    private static let imagesMagic: UInt32 = 0x0000_0803
    private static let labelsMagic: UInt32 = 0x0000_0801
    /// `x / 255` for every byte, so scaling is a table lookup.
    private static let pixelScale: [Float] = (0...255).map { Float($0) / 255 }

    /// An IDX images file: `count` images of `rows` x `cols` uint8 pixels after a 16-byte header.
    private struct IDXImages {
        var count: Int
        var rows: Int
        var cols: Int
        var bytes: [UInt8]
    }

    static func fitIDX(images: URL, labels: URL?) throws -> (FeatureSchema, ImportedData) {
        guard let labels else {
            throw ImportError(.missingLabelsFile, file: images.path, message: "idx training data needs a labels file",
                              hint: "Pass the matching labels file (e.g. train-labels-idx1-ubyte) with --labels.")
        }
        let pixels = try readImages(images)
        let tags = try readLabels(labels, expecting: pixels.count, images: images)
        var seen = [Bool](repeating: false, count: 256)
        for tag in tags { seen[Int(tag)] = true }
        let classes = (0..<256).filter { seen[$0] }.map(String.init)
        let schema = FeatureSchema(format: .idx, csv: nil, columnCount: pixels.rows * pixels.cols, encoders: [],
                                   classes: classes, featureCount: pixels.rows * pixels.cols)
        return (schema, try encodeIDX(pixels, tags: tags, schema: schema, labelsPath: labels.path))
    }

    static func applyIDX(_ schema: FeatureSchema, images: URL, labels: URL?, requireLabels: Bool) throws -> ImportedData {
        if labels == nil && requireLabels {
            throw ImportError(.missingLabelsFile, file: images.path, message: "idx evaluation data needs a labels file",
                              hint: "Pass the matching labels file (e.g. t10k-labels-idx1-ubyte) with --labels.")
        }
        let pixels = try readImages(images)
        guard pixels.rows * pixels.cols == schema.columnCount else {
            throw ImportError(.idxShape, file: images.path,
                              message: "images are \(pixels.rows)x\(pixels.cols) = \(pixels.rows * pixels.cols) pixels, but training images had \(schema.columnCount)",
                              hint: "Pass images of the training size.")
        }
        let tags = try labels.map { try readLabels($0, expecting: pixels.count, images: images) }
        return try encodeIDX(pixels, tags: tags, schema: schema, labelsPath: labels?.path ?? "")
    }

    private static func encodeIDX(_ pixels: IDXImages, tags: [UInt8]?, schema: FeatureSchema, labelsPath: String) throws -> ImportedData {
        let width = pixels.rows * pixels.cols
        var labels: [Int32] = []
        if let tags {
            var index = [Int32](repeating: -1, count: 256)
            for (k, name) in schema.classes.enumerated() { if let v = UInt8(name) { index[Int(v)] = Int32(k) } }
            labels.reserveCapacity(tags.count)
            for (record, tag) in tags.enumerated() {
                let k = index[Int(tag)]
                guard k >= 0 else {
                    var error = unknownLabelError(labelsPath, line: nil, column: nil, label: String(tag), classes: schema.classes)
                    error.message = "record \(record): " + error.message
                    throw error
                }
                labels.append(k)
            }
        }
        let table = pixelScale
        let total = pixels.count * width
        let features = [Float](unsafeUninitializedCapacity: total) { out, initialized in
            pixels.bytes.withUnsafeBufferPointer { src in
                table.withUnsafeBufferPointer { scale in
                    for k in 0..<total { out[k] = scale[Int(src[16 + k])] }
                }
            }
            initialized = total
        }
        return ImportedData(ids: (0..<pixels.count).map { "row-\($0)" },
                            subjects: [String?](repeating: nil, count: pixels.count), priors: nil,
                            labels: labels, features: features, count: pixels.count)
    }

    private static func readImages(_ url: URL) throws -> IDXImages {
        let path = url.path
        let bytes = try readBytes(url)
        try checkHeader(bytes, path: path, magic: imagesMagic, headerSize: 16, what: "images")
        let count = Int(bigEndian(bytes, 4)), rows = Int(bigEndian(bytes, 8)), cols = Int(bigEndian(bytes, 12))
        let (size, overflow1) = rows.multipliedReportingOverflow(by: cols)
        let (pixels, overflow2) = count.multipliedReportingOverflow(by: size)
        let overflow = overflow1 || overflow2
        guard !overflow, bytes.count - 16 == pixels else {
            throw sizeError(path, have: bytes.count - 16, want: overflow ? nil : pixels,
                            shape: "\(count) images of \(rows)x\(cols) pixels")
        }
        return IDXImages(count: count, rows: rows, cols: cols, bytes: bytes)
    }

    private static func readLabels(_ url: URL, expecting images: Int, images imagesURL: URL) throws -> [UInt8] {
        let path = url.path
        let bytes = try readBytes(url)
        try checkHeader(bytes, path: path, magic: labelsMagic, headerSize: 8, what: "labels")
        let count = Int(bigEndian(bytes, 4))
        guard bytes.count - 8 == count else {
            throw sizeError(path, have: bytes.count - 8, want: count, shape: "\(count) labels")
        }
        guard count == images else {
            throw ImportError(.idxCountMismatch, file: path,
                              message: "the labels file has \(count) labels but \(imagesURL.lastPathComponent) has \(images) images",
                              hint: "Pass the labels file that belongs to these images.")
        }
        return Array(bytes[8...])
    }

    private static func checkHeader(_ bytes: [UInt8], path: String, magic: UInt32, headerSize: Int, what: String) throws {
        let tooShort = ImportError(.idxFormat, file: path,
                                   message: "the file is \(bytes.count) bytes, shorter than the \(headerSize)-byte IDX \(what) header",
                                   hint: "The file is truncated or not an IDX file; download it again.")
        // The magic number first: it tells a wrong file from a truncated one.
        guard bytes.count >= 4 else { throw tooShort }
        let found = bigEndian(bytes, 0)
        guard found == magic else {
            let hint: String
            if bytes[0] == 0x1F && bytes[1] == 0x8B {
                hint = "The file is gzip-compressed: unpack it with gunzip first."
            } else if found == imagesMagic || found == labelsMagic {
                hint = "This is an IDX \(found == imagesMagic ? "images" : "labels") file: pass images as the data file and labels as the labels file."
            } else {
                hint = "Pass an uncompressed IDX \(what) file (e.g. the MNIST *-\(what == "images" ? "images-idx3" : "labels-idx1")-ubyte)."
            }
            throw ImportError(.idxFormat, file: path,
                              message: "the magic number is \(hex(found)), expected \(hex(magic)) (uint8 \(what))",
                              hint: hint)
        }
        guard bytes.count >= headerSize else { throw tooShort }
    }

    private static func sizeError(_ path: String, have: Int, want: Int?, shape: String) -> ImportError {
        let message: String
        if let want, have < want {
            message = "the file is truncated: its header promises \(shape) (\(want) data bytes) but it holds \(have)"
        } else if let want {
            message = "the file holds \(have) data bytes, \(have - want) more than its header's \(shape)"
        } else {
            message = "the header's \(shape) is too large"
        }
        return ImportError(.idxFormat, file: path, message: message,
                           hint: "The file is damaged or not an IDX file; download it again.")
    }

    private static func bigEndian(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}
