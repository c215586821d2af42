import Dispatch

/// Runs synchronous store and ledger work off the server's event loops and off Swift's
/// cooperative pool: ledger reads on a concurrent queue, retrains on a serial one.
enum Blocking {
    static let reads = DispatchQueue(label: "unlearn.serve.reads", qos: .userInitiated, attributes: .concurrent)
    static let retrains = DispatchQueue(label: "unlearn.serve.retrain", qos: .utility)

    static func run<T: Sendable>(on queue: DispatchQueue = reads, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
