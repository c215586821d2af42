import GRDB
import GRDBSQLite

// The intake writer's statements, bound and stepped through the SQLite C API.
//
// GRDB's `execute(arguments:)` boxes each argument as a `DatabaseValue`, validates the
// argument list and runs its statement bookkeeping on every call: about as much time as SQLite
// itself spends inserting a row. The intake writer runs six statements per request, so its
// hot statements skip that layer. They still come from GRDB's statement cache (compiled once
// per connection) and run inside GRDB's transactions; errors come back as GRDB's
// `DatabaseError`, so callers translate them as before.

/// A value bound to one parameter of a directly run statement.
enum SQLArgument {
    case integer(Int64)
    case real(Double)
    case text(String)
    case null

    static func int(_ value: Int) -> SQLArgument { .integer(Int64(value)) }
    static func int(_ value: Int?) -> SQLArgument { value.map { .integer(Int64($0)) } ?? .null }
    static func int(_ value: Int64?) -> SQLArgument { value.map { .integer($0) } ?? .null }
    static func text(_ value: String?) -> SQLArgument { value.map { .text($0) } ?? .null }
}

/// The current row of a directly stepped statement, read by column position.
struct DirectRow {
    fileprivate let handle: OpaquePointer

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }
    func optionalInt(_ column: Int32) -> Int? { isNull(column) ? nil : int(column) }
    func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }
    func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
    func optionalDouble(_ column: Int32) -> Double? { isNull(column) ? nil : double(column) }

    func text(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }
}

extension Database {
    /// Runs one cached statement that returns no rows.
    func execute(direct sql: String, _ arguments: [SQLArgument]) throws {
        try stepping(sql, arguments) { handle in
            let code = sqlite3_step(handle)
            guard code == SQLITE_DONE else { throw error(code, sql) }
        }
    }

    /// The first row of one cached query, decoded by `decode`; nil when it has none.
    func firstRow<T>(direct sql: String, _ arguments: [SQLArgument], _ decode: (DirectRow) throws -> T) throws -> T? {
        try stepping(sql, arguments) { handle in
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return nil }
            guard code == SQLITE_ROW else { throw error(code, sql) }
            return try decode(DirectRow(handle: handle))
        }
    }

    /// Every row of one cached query, decoded by `decode`.
    func allRows<T>(direct sql: String, _ arguments: [SQLArgument], _ decode: (DirectRow) throws -> T) throws -> [T] {
        try stepping(sql, arguments) { handle in
            var rows: [T] = []
            while true {
                let code = sqlite3_step(handle)
                if code == SQLITE_DONE { return rows }
                guard code == SQLITE_ROW else { throw error(code, sql) }
                rows.append(try decode(DirectRow(handle: handle)))
            }
        }
    }

    /// Binds `arguments` to the cached statement for `sql`, runs `body`, and resets the
    /// statement whatever happens (a statement left mid-step would hold its read snapshot).
    private func stepping<T>(_ sql: String, _ arguments: [SQLArgument], _ body: (OpaquePointer) throws -> T) throws -> T {
        let handle = try cachedStatement(sql: sql).sqliteStatement
        sqlite3_reset(handle)
        defer { sqlite3_reset(handle) }
        precondition(Int(sqlite3_bind_parameter_count(handle)) == arguments.count, "\(sql): wrong number of arguments")
        for (index, argument) in arguments.enumerated() {
            let position = Int32(index + 1)
            let code: Int32 = switch argument {
            case .integer(let value): sqlite3_bind_int64(handle, position, value)
            case .real(let value): sqlite3_bind_double(handle, position, value)
            case .null: sqlite3_bind_null(handle, position)
            case .text(var value):
                // A string's contiguous UTF-8, copied by SQLite during the call (SQLITE_TRANSIENT).
                value.withUTF8 { bytes in
                    bytes.withMemoryRebound(to: CChar.self) { chars in
                        guard let start = chars.baseAddress else { return sqlite3_bind_text(handle, position, "", 0, nil) }
                        return sqlite3_bind_text(handle, position, start, Int32(chars.count), sqliteTransient)
                    }
                }
            }
            guard code == SQLITE_OK else { throw error(code, sql) }
        }
        return try body(handle)
    }

    private func error(_ code: Int32, _ sql: String) -> DatabaseError {
        let message = sqliteConnection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
    }
}

/// SQLite copies a text argument bound with this destructor before the call returns.
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
