import ArgumentParser
import Foundation
import UnlearnLedger
import UnlearnStore

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Prove that a deleted record is gone from the live data and models.")

    @OptionGroup var location: StoreOptions
    @Option(help: "The deleted record's id.") var id: String
    @Flag(help: "Also retrain its shard from scratch and compare checkpoint bytes.") var replay = false
    @Flag(help: "Print the report as one JSON object.") var json = false

    func run() throws {
        try execute {
            // On a full disk the store still opens for reading; the outcome is then not recorded.
            let store: Store
            do {
                store = try location.open()
            } catch LedgerError.storage(let failure, _, _) where failure == .full || failure == .io {
                store = try location.open(readOnly: true)
            }
            let report = try store.verify(id: id, replay: replay)
            if json {
                try printJSON(report)
            } else {
                print("record \(report.key)… (shard \(report.shard), slice \(report.slice)), live version \(report.version)")
                for check in report.checks { print("  [\(check.passed ? "ok" : "FAIL")] \(check.name): \(check.detail)") }
                let failed = report.checks.filter { !$0.passed }.map(\.name)
                print(report.passed ? "verified: the record is unlearned"
                      : report.request == nil ? "NOT verified: the record was never deleted (it is live); request it with 'unlearn delete --id'"
                      : "NOT verified: \(failed.count) check(s) failed (\(failed.joined(separator: ", ")))")
                if !report.recorded { print("note: the ledger could not record this verification (no space left?)") }
            }
            if !report.passed { throw ExitCode(1) }
        }
    }
}

struct RecoverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover", abstract: "Return the store to its last published version after a crash (also runs before every job).")

    @OptionGroup var location: StoreOptions

    func run() throws {
        try execute {
            let removed = try location.open().recoverLocked()
            print(removed.isEmpty ? "store is consistent" : "removed \(removed.count) orphaned or superseded file(s)")
        }
    }
}
