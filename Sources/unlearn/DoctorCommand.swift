import ArgumentParser
import Foundation
import UnlearnStore

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check everything a store is made of; exit 0 when healthy, 76 when damaged.",
        discussion: """
            Checks the seal of store.key and store.json, SQLite's integrity_check, the audit chain, that the ledger \
            holds the last published version (store.head), every live file's sha256 (intermediate checkpoints \
            included), leftover files and owner-only permissions. Changes nothing; works on a store that no longer opens.
            """)

    @OptionGroup var location: StoreOptions
    @Flag(help: "Print the report as one JSON object.") var json = false

    func run() throws {
        try execute {
            let report = Store.doctor(location.store)
            if json {
                try printJSON(report)
            } else {
                for check in report.checks {
                    print("[\(check.status.rawValue)] \(check.name): \(check.detail)")
                    if let fix = check.fix, check.status != .ok { print("       fix: \(fix)") }
                }
                print(report.healthy ? "healthy" : "DAMAGED")
            }
            if !report.healthy { throw ExitCode(76) }
        }
    }
}
