import Foundation

/// A user-facing failure: what went wrong (naming the file, row or id) and what to do next.
public struct UnlearnError: Error, CustomStringConvertible, Sendable {
    /// Categories map to sysexits(3) exit codes so schedulers can tell them apart.
    public enum Category: Int32, Sendable {
        case usage = 64, data = 65, noInput = 66, software = 70, io = 74, busy = 75, corrupt = 76, config = 78
    }

    public let category: Category
    public let message: String
    public let hint: String?

    public init(_ category: Category, _ message: String, hint: String? = nil) {
        self.category = category
        self.message = message
        self.hint = hint
    }

    public var description: String { hint.map { "\(message). \($0)" } ?? message }

    static func noStore(_ root: String) -> UnlearnError {
        UnlearnError(.noInput, "no store at '\(root)' (store.json is missing)", hint: "Create one with 'unlearn init --store \(root) --data FILE …'.")
    }
}
