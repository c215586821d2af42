import GRDB

// Shortcuts that run SQL through GRDB's statement cache. Compiling a statement costs tens of
// microseconds (parse, plan, authorizer); the hot paths (intake, publish, lookups) run the
// same few statements again and again, so they compile each one once per connection.
// Use them only for SQL built from fixed text, never from a growing set of variants.
extension Database {
    /// Executes one cached statement.
    func run(_ sql: String, _ arguments: StatementArguments = StatementArguments()) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }

    /// All rows of one cached statement.
    func rows(_ sql: String, _ arguments: StatementArguments = StatementArguments()) throws -> [Row] {
        try Row.fetchAll(cachedStatement(sql: sql), arguments: arguments)
    }

    /// The first row of one cached statement.
    func row(_ sql: String, _ arguments: StatementArguments = StatementArguments()) throws -> Row? {
        try Row.fetchOne(cachedStatement(sql: sql), arguments: arguments)
    }

    /// The first column of the first row of one cached statement.
    func value<T: DatabaseValueConvertible>(
        _ type: T.Type, _ sql: String, _ arguments: StatementArguments = StatementArguments()
    ) throws -> T? {
        try T.fetchOne(cachedStatement(sql: sql), arguments: arguments)
    }
}
