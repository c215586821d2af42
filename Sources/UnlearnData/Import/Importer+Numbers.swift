extension Importer {
    /// What one text field holds, judged without allocating in the common case.
    enum FieldKind { case missing, number, nonFinite, text }

    /// Exact powers of ten: every `10^k` with `k <= 22` is representable in a Double.
    private static let exactPowersOfTen: [Double] = (0...22).map { k in
        var value = 1.0
        for _ in 0..<k { value *= 10 }
        return value
    }

    /// Classifies a trimmed field and parses it when it is a number.
    ///
    /// `?` and the empty field are missing. Plain decimals (`-12.5`, `0.00`) with at most 19 digits
    /// and 22 decimals take a fast path that is correctly rounded (an exact integer divided by an
    /// exact power of ten). Everything else (exponents, `nan`, `inf`, `infinity` in any case, hex
    /// floats, long mantissas) goes through the standard library's locale-independent parser.
    @inline(__always)
    static func parseField(_ p: UnsafePointer<UInt8>, _ n: Int) -> (kind: FieldKind, value: Double) {
        if n == 0 || (n == 1 && p[0] == UInt8(ascii: "?")) { return (.missing, 0) }
        var i = 0
        var negative = false
        if p[0] == UInt8(ascii: "-") { negative = true; i = 1 } else if p[0] == UInt8(ascii: "+") { i = 1 }
        var mantissa: UInt64 = 0
        var digits = 0  // significant digits in mantissa
        var decimals = 0
        var sawDigit = false
        var sawDot = false
        while i < n {
            let b = p[i]
            if b >= 0x30 && b <= 0x39 {
                sawDigit = true
                if mantissa != 0 || b != 0x30 { digits += 1 }
                mantissa = mantissa &* 10 &+ UInt64(b &- 0x30)
                if sawDot { decimals += 1 }
            } else if b == UInt8(ascii: ".") && !sawDot {
                sawDot = true
            } else {
                break
            }
            i += 1
        }
        if i == n && sawDigit && digits <= 15 && decimals <= 22 {
            // Both operands are exact, so one IEEE division rounds correctly.
            var value = Double(mantissa) / exactPowersOfTen[decimals]
            if negative { value = -value }
            return (.number, value)
        }
        return slowParse(p, n)
    }

    /// Parses a number written with a decimal comma (`-3,25`): the comma becomes a point.
    static func parseDecimalComma(_ p: UnsafePointer<UInt8>, _ n: Int) -> (kind: FieldKind, value: Double) {
        guard n <= 64 else { return (.text, 0) }
        var commas = 0
        var copy = [UInt8](repeating: 0, count: n)
        for k in 0..<n {
            if p[k] == UInt8(ascii: ",") { commas += 1; copy[k] = UInt8(ascii: ".") } else if p[k] == UInt8(ascii: ".") { return (.text, 0) } else { copy[k] = p[k] }
        }
        guard commas == 1 else { return (.text, 0) }
        return copy.withUnsafeBufferPointer { parseField($0.baseAddress!, n) }
    }

    private static func slowParse(_ p: UnsafePointer<UInt8>, _ n: Int) -> (kind: FieldKind, value: Double) {
        let text = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
        guard let value = Double(text) else { return (.text, 0) }
        return value.isFinite ? (.number, value) : (.nonFinite, value)
    }

    /// Normalises a label: trims spaces and tabs, then removes ONE trailing `.`.
    ///
    /// The UCI convention ends test-file labels with a period (Adult's `<=50K.` in `adult.test`,
    /// every label of KDD Cup 99), so `<=50K.` and `<=50K` name the same class.
    static func normalizeLabel(_ raw: String) -> String {
        var text = trimBlanks(raw)
        if text.last == "." { text.removeLast() }
        return text
    }

    /// The string without leading and trailing spaces and tabs.
    static func trimBlanks(_ raw: String) -> String {
        var text = Substring(raw)
        while let c = text.first, c == " " || c == "\t" { text.removeFirst() }
        while let c = text.last, c == " " || c == "\t" { text.removeLast() }
        return String(text)
    }

    /// Sorts a label vocabulary: numerically when every label is a finite number, else by UTF-8 bytes.
    static func sortClasses(_ labels: some Collection<String>) -> [String] {
        let numbers = labels.map { Double($0) }
        if numbers.allSatisfy({ $0?.isFinite == true }) {
            return zip(labels, numbers).sorted { a, b in
                a.1! != b.1! ? a.1! < b.1! : byteOrder(a.0, b.0)
            }.map(\.0)
        }
        return labels.sorted(by: byteOrder)
    }

    /// Orders strings by their UTF-8 bytes, which does not depend on Unicode tables.
    static func byteOrder(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
