import ArgumentParser
import Foundation
import UnlearnLedger
import UnlearnStore

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Prove that a deleted record is gone (--id), or that the whole store equals a rebuild from its source (--from-source).")

    @OptionGroup var location: StoreOptions
    @Option(help: "The deleted record's id.") var id: String?
    @Flag(help: "With --id: also retrain its shard from scratch and compare checkpoint bytes.") var replay = false
    @Option(name: .customLong("from-source"), help: ArgumentHelp(
        "Rebuild the store from this file (the original import or the current export without the deleted records), without every deleted record, and compare schema and every file's payload.",
        valueName: "file"))
    var source: String?
    @Option(help: "With --from-source: the labels file, for formats that keep labels apart (idx).") var labels: String?
    @Flag(help: "Print the report as one JSON object.") var json = false

    func validate() throws {
        guard (id == nil) != (source == nil) else { throw ValidationError("Give either --id ID or --from-source FILE.") }
        if source == nil && labels != nil { throw ValidationError("--labels goes with --from-source.") }
        if source != nil && replay { throw ValidationError("--replay goes with --id; --from-source always retrains.") }
    }

    func run() throws {
        try execute {
            // On a full disk the store still opens for reading; the outcome is then not recorded.
            let store: Store
            do {
                store = try location.open()
            } catch LedgerError.storage(let failure, _, _) where failure == .full || failure == .io {
                store = try location.open(readOnly: true)
            }
            if let source {
                try verifySource(store, source: source)
                return
            }
            let report = try store.verify(id: id!, replay: replay)
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

    private func verifySource(_ store: Store, source: String) throws {
        let report = try store.verify(fromSource: URL(fileURLWithPath: source), labels: labels.map { URL(fileURLWithPath: $0) })
        if json {
            try printJSON(report)
        } else {
            let matched = switch report.mode {
            case "positional-original": "by position: the original import"
            case "positional-export": "by position: an export without the deleted records, rows mapped onto the live original positions"
            default: "by the id column"
            }
            print("source       \(report.sourceRecords) records, matched \(matched)")
            print("rebuilt      \(report.rebuiltRecords) records (\(report.deleted) deleted left out)\(report.trained ? ", trained" : "")")
            print("compared     \(report.schemaCompared ? "schema and " : "")\(report.filesCompared) live files of version \(report.version), payload for payload")
            if let first = report.differences.first {
                print("FAIL: the store differs from a rebuild from its source without the deleted records")
                print("  first difference: \(first)")
                if report.differences.count > 1 { print("  and \(report.differences.count - 1) more (see --json)") }
            } else {
                print("PASS: the store equals a from-scratch build of the source without the deleted records")
            }
            if !report.recorded { print("note: the ledger could not record this verification (no space left?)") }
        }
        if !report.passed { throw ExitCode(1) }
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
