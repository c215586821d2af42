import ArgumentParser
import Foundation
import UnlearnServer
import UnlearnStore

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage the service's bearer tokens (stored as hashes in the owner-only ledger).",
        subcommands: [TokenCreateCommand.self, TokenListCommand.self, TokenRevokeCommand.self])
}

struct TokenCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a token and print it once.")

    @OptionGroup var location: StoreOptions
    @Option(help: "intake, predict, audit or operator.") var role: String
    @Option(help: "A name to recognise it by (default: the role).") var name: String?
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        try execute {
            guard let role = Role(rawValue: role) else {
                throw UnlearnError(.usage, "'\(self.role)' is not a role", hint: "Use intake, predict, audit or operator.")
            }
            let (token, record) = try Tokens.create(in: location.open().ledger, role: role, name: name ?? role.rawValue)
            if json {
                print(#"{"id":\#(record.id),"name":"\#(record.name)","role":"\#(record.role)","token":"\#(token)"}"#)
            } else {
                print(token)
                FileHandle.standardError.write(Data("token #\(record.id) '\(record.name)' (role \(record.role)) created; it is shown only once\n".utf8))
            }
        }
    }
}

struct TokenListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List tokens (never their secrets).")

    @OptionGroup var location: StoreOptions
    @Flag(help: "Print one JSON object per line.") var json = false

    func run() throws {
        try execute {
            let iso = ISO8601DateFormatter()
            for token in try location.open().ledger.tokens() {
                if json {
                    try printJSON(token)
                } else {
                    let state = token.revokedAt.map { "revoked \(iso.string(from: $0))" } ?? "active"
                    print("#\(token.id)  \(token.role)  \(token.name)  created \(iso.string(from: token.createdAt))  \(state)  sha256 \(token.tokenSHA256.prefix(12))…")
                }
            }
        }
    }
}

struct TokenRevokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a token by id or name (a running service stops accepting it within a second).")

    @OptionGroup var location: StoreOptions
    @Argument(help: "The token's id or name.") var token: String

    func run() throws {
        try execute {
            let count = try location.open().ledger.revokeToken(idOrName: token, at: Date())
            guard count > 0 else { throw UnlearnError(.usage, "no active token with id or name '\(token)'") }
            print("revoked \(count) token(s)")
        }
    }
}
