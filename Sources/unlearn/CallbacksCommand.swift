import ArgumentParser
import Foundation
import UnlearnLedger
import UnlearnStore

struct CallbacksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "callbacks", abstract: "Inspect and retry the outbox of fides and status callbacks.",
        subcommands: [CallbacksListCommand.self, CallbacksRetryCommand.self])
}

struct CallbacksListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List outbox rows, newest first (never fides's bearer token).")

    @OptionGroup var location: StoreOptions
    @Flag(help: "Only rows that failed at least once and are not delivered, or were given up.") var failing = false
    @Option(help: "At most this many rows.") var limit = 100
    @Flag(help: "Print one JSON object per line.") var json = false

    func run() throws {
        try execute {
            for entry in try location.open().ledger.callbacks(failingOnly: failing, limit: limit) {
                if json {
                    print(entry.json)
                } else {
                    let delay = entry.nextAttemptAt.timeIntervalSinceNow
                    let state = entry.deliveredAt != nil ? "delivered"
                        : entry.givenUpAt != nil ? "given up"
                        : entry.heldForVersion != nil && entry.attempts == 0 ? "queued (sent once version \(entry.heldForVersion!) is purged)"
                        : delay > 0 ? "retry in \(Int(delay.rounded())) s" : "due"
                    print("#\(entry.id)  request \(entry.requestID)  \(entry.target.rawValue)  \(entry.status)  \(entry.url)  attempts \(entry.attempts)  \(state)"
                          + (entry.lastError.map { "  last error: \($0)" } ?? ""))
                }
            }
        }
    }
}

struct CallbacksRetryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Make a failing or given-up callback due now (audited as callback.retried); a running service sends it within 2 s.")

    @OptionGroup var location: StoreOptions
    @Option(help: "The outbox row's id (from 'callbacks list').") var id: Int64?
    @Flag(help: "Every failing and given-up row.") var allFailing = false

    func validate() throws {
        guard (id != nil) != allFailing else { throw ValidationError("Give either --id N or --all-failing.") }
    }

    func run() throws {
        try execute {
            let count = try location.open().ledger.retryCallbacks(id: id, by: "cli", at: Date())
            print("\(count) callback(s) due now")
        }
    }
}

extension OutboxEntry {
    /// One line of `callbacks list --json`.
    var json: String {
        var writer = JSONWriter()
        writer.add("attempts", attempts)
        writer.add("created_time", createdAt)
        writer.add("delivered_time", deliveredAt)
        writer.add("given_up_time", givenUpAt)
        writer.add("held_for_version", heldForVersion)
        writer.add("id", id)
        writer.add("last_error", lastError)
        writer.add("next_attempt_time", isOpen ? nextAttemptAt : nil)
        writer.add("request", requestID)
        writer.add("status", status)
        writer.add("target", target.rawValue)
        writer.add("url", url)
        return writer.json
    }
}
