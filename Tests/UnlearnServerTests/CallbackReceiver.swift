import Foundation
import Hummingbird
import Logging
import Synchronization

/// A stand-in for fides and for status-callback receivers: a Hummingbird server on 127.0.0.1
/// that records every POST and answers each path from a script of statuses.
final class CallbackReceiver: Sendable {
    struct Hit: Sendable {
        var path: String
        var authorization: String?
        var signature: String?
        var delivery: String?
        var body: String
        var answered: Int
        var at: Date
        /// What `inspect` found when the hit arrived (e.g. "the store verifies by replay").
        var check: Bool?
    }

    private let state = Mutex<(hits: [Hit], scripts: [String: [Int]])>(([], [:]))
    private let inspect: @Sendable (String) -> Bool?

    /// - Parameter inspect: called with each hit's path before it is answered.
    init(inspect: @escaping @Sendable (String) -> Bool? = { _ in nil }) {
        self.inspect = inspect
    }

    /// Answers `path` with these statuses in turn; the last repeats. Unscripted paths get 200.
    func script(_ path: String, _ statuses: [Int]) {
        state.withLock { $0.scripts[path] = statuses }
    }

    var hits: [Hit] { state.withLock { $0.hits } }

    func hits(_ path: String) -> [Hit] { hits.filter { $0.path == path } }

    var application: some ApplicationProtocol {
        let router = Router()
        router.post("**") { request, _ -> Response in
            let buffer = try await request.body.collect(upTo: 1 << 20)
            let body = String(decoding: buffer.readableBytesView, as: UTF8.self)
            let path = request.uri.path
            let check = self.inspect(path)
            let status = self.state.withLock { state -> Int in
                let attempt = state.hits.filter { $0.path == path }.count
                let script = state.scripts[path] ?? [200]
                let status = script[min(attempt, script.count - 1)]
                state.hits.append(Hit(
                    path: path, authorization: request.headers[.authorization],
                    signature: request.headers.first { $0.name.canonicalName == "unlearn-signature" }?.value,
                    delivery: request.headers.first { $0.name.canonicalName == "unlearn-delivery" }?.value,
                    body: body, answered: status, at: Date(), check: check))
                return status
            }
            return Response(status: .init(code: status))
        }
        var logger = Logger(label: "test.receiver")
        logger.logLevel = .warning
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
    }

    /// Polls until `done` holds (at most `timeout` seconds); returns whether it did.
    func wait(timeout: TimeInterval = 60, _ done: (CallbackReceiver) -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if done(self) { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return done(self)
    }
}
