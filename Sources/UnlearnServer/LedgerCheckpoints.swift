import Dispatch
import Logging
import ServiceLifecycle
import UnlearnLedger

/// Checkpoints the ledger's WAL beside the intake writer, so that group commits no longer stop
/// to copy pages into the database file and fsync it (see `WALCheckpointer`).
struct LedgerCheckpoints: Service {
    let checkpointer: WALCheckpointer
    let logger: Logger
    /// Often enough that the writer's backstop finds nearly every frame already copied.
    var interval: Duration = .milliseconds(25)

    private static let queue = DispatchQueue(label: "unlearn.serve.checkpoint", qos: .utility)

    func run() async throws {
        var failing = false
        while !Task.isShuttingDownGracefully {
            do { try await Task.sleep(for: interval) } catch { return }
            do {
                try await Blocking.run(on: Self.queue) { [checkpointer] in try checkpointer.checkpoint() }
                failing = false
            } catch {
                // The writer's backstop checkpoints still bound the WAL; say so once per outage.
                if !failing { logger.warning("ledger checkpoint failed; the writer checkpoints instead", metadata: ["error.type": "\(type(of: error))"]) }
                failing = true
            }
        }
    }
}
