import ArgumentParser
import Foundation
import UnlearnData
import UnlearnStore

struct ReceiptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receipt", abstract: "Signed receipts of completed deletions, and their offline check.",
        subcommands: [ReceiptShowCommand.self, ReceiptVerifyCommand.self, ReceiptPublicKeyCommand.self],
        defaultSubcommand: ReceiptShowCommand.self)
}

struct ReceiptShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the signed receipt of a completed deletion request (JSON, one line).",
        discussion: """
            The receipt names the request, the records (key prefixes, never ids), the shards and slices retrained, \
            the old and new sha256 of every replaced file, the model version and the audit chain's head right \
            after publishing, and is signed with the store's Ed25519 key. Check it with 'unlearn receipt verify'.
            """)

    @OptionGroup var location: StoreOptions
    @Option(help: "The deletion request's number (the API's deletion_id).") var request: Int64
    @Option(help: "Write the receipt to this file instead of stdout.") var out: String?

    func run() throws {
        try execute {
            let text = try location.open(readOnly: true).signedReceipt(request: request) + "\n"
            if let out {
                try AtomicFile.write(Array(text.utf8), to: out)
            } else {
                print(text, terminator: "")
            }
        }
    }
}

struct ReceiptVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check a signed receipt offline against a store's public key (exit 0 if valid, 65 if not).")

    @Argument(help: "The receipt file.") var file: String
    @Option(help: "A file holding the public key ('unlearn receipt public-key' prints it).") var publicKey: String

    func run() throws {
        try execute {
            let key = try SignedReceipt.publicKey(fromText: try readText(publicKey))
            let contents = try SignedReceipt.verify(try readText(file), publicKey: key)
            print("receipt valid: deletion \(contents.deletionID) completed in model version \(contents.version) at \(contents.completedAt)")
            let shards = contents.retrained.map { "\($0.shard)@\($0.firstSlice)" }.joined(separator: " ")
            print("  \(contents.records.count) record(s), shards@first-slice \(shards), \(contents.replaced.count) file(s) replaced")
            print("  audit head after publishing: \(contents.anchor)")
        }
    }

    func readText(_ path: String) throws -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw UnlearnError(.noInput, "cannot read '\(path)'", hint: "Check the path.")
        }
        return text
    }
}

struct ReceiptPublicKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "public-key", abstract: "Print the public key that verifies this store's receipts (ed25519:<hex>).")

    @OptionGroup var location: StoreOptions

    func run() throws {
        try execute { print(try location.open(readOnly: true).receiptPublicKey()) }
    }
}
