import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization
import UnlearnLedger
import UnlearnStore

/// Drains the ledger's callback outbox: fides erasure callbacks and signed status callbacks.
///
/// Delivery is at least once: a row is marked delivered only after a 2xx answer, so rows in
/// flight when the process dies are sent again after a restart. It wakes when intake or a
/// retrain commits rows or a new version is loaded (``notify()``) and when the next retry falls
/// due, sleeping at most
/// `policy.maxIdle` (rows written by another process). Each round sends up to
/// `policy.concurrency` due rows at once.
final class CallbackSender: Service, Sendable {
    private let store: Store
    private let fidesURL: String?
    private let policy: CallbackPolicy
    private let metrics: ServiceMetrics
    /// Completion callbacks wait until this service predicts with the version they announce.
    private let model: ModelHolder
    private let logger: Logger
    private let wake = Mutex<(signalled: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    init(store: Store, options: ServeOptions, metrics: ServiceMetrics, model: ModelHolder, logger: Logger) {
        self.store = store
        self.fidesURL = options.fidesURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.policy = options.callbackPolicy
        self.metrics = metrics
        self.model = model
        self.logger = logger
    }

    /// New rows were committed: look now instead of at the next timer.
    func notify() {
        let waiter = wake.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.signalled = true
            return nil
        }
        waiter?.resume()
    }

    func run() async throws {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .milliseconds(Int64(policy.timeout * 1000)), read: .milliseconds(Int64(policy.timeout * 1000))))
        configuration.connectionPool = .init(idleTimeout: .seconds(30))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        await withGracefulShutdownHandler {
            while !Task.isShuttingDownGracefully {
                let sent = await sendDue(client)
                if sent == 0 { await sleep() }
            }
        } onGracefulShutdown: {
            self.notify()
        }
        try? await client.shutdown()
    }

    /// Sends the due rows (at most `concurrency`) and records each outcome; returns how many.
    private func sendDue(_ client: HTTPClient) async -> Int {
        let store = self.store, model = self.model, limit = policy.concurrency
        let due: [OutboxEntry]
        do {
            due = try await Blocking.run { try store.ledger.dueCallbacks(now: Date(), limit: limit, servedVersion: model.current?.version) }
        } catch {
            logger.error("callback outbox unreadable", metadata: ["error.type": "\(type(of: error))"])
            return 0
        }
        await withTaskGroup(of: Void.self) { group in
            for entry in due {
                group.addTask { await self.deliver(entry, client) }
            }
        }
        await refreshGauges()
        return due.count
    }

    /// Sleeps until notified, or until the next row falls due (at most `maxIdle`).
    private func sleep() async {
        let store = self.store, model = self.model
        let next = (try? await Blocking.run { try store.ledger.nextCallbackTime(servedVersion: model.current?.version) }) ?? nil
        let seconds = max(0.01, min(policy.maxIdle, next.map { $0.timeIntervalSinceNow } ?? policy.maxIdle))
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(for: .seconds(seconds))
                if !Task.isCancelled { self.notify() }
            }
            group.addTask {
                await withCheckedContinuation { continuation in
                    let ready = self.wake.withLock { state -> Bool in
                        if state.signalled {
                            state.signalled = false
                            return true
                        }
                        state.waiter = continuation
                        return false
                    }
                    if ready { continuation.resume() }
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    private func deliver(_ entry: OutboxEntry, _ client: HTTPClient) async {
        var httpStatus: Int?
        let result: DeliveryResult
        do {
            httpStatus = try await post(entry, client)
            result = (200..<300).contains(httpStatus!) ? .delivered : failure("HTTP \(httpStatus!)", httpStatus, entry)
        } catch let error as CallbackError {
            result = failure(error.message, nil, entry)
        } catch let error as HTTPClientError {
            result = failure("transport: \(error)", nil, entry)
        } catch {
            result = failure("transport: \(type(of: error))", nil, entry)
        }
        let store = self.store, status = httpStatus
        do {
            try await Blocking.run { try store.ledger.recordAttempt(entry, result, httpStatus: status, at: Date()) }
        } catch {
            logger.error("callback outcome not recorded; it will be sent again", metadata: ["callback.id": "\(entry.id)", "error.type": "\(type(of: error))"])
        }
        let host = entry.target == .fides ? "fides" : (URLComponents(string: entry.url)?.host ?? "?")
        switch result {
        case .delivered:
            metrics.callbackDelivery(target: entry.target, outcome: "delivered")
            logger.info("callback delivered", metadata: [
                "callback.id": "\(entry.id)", "callback.target": "\(entry.target.rawValue)", "callback.host": "\(host)",
                "request.id": "\(entry.requestID)", "callback.status": "\(entry.status)",
            ])
        case .retry(let error, let next):
            metrics.callbackDelivery(target: entry.target, outcome: "retry")
            logger.notice("callback failed; will retry", metadata: [
                "callback.id": "\(entry.id)", "callback.target": "\(entry.target.rawValue)", "callback.host": "\(host)",
                "callback.error": "\(error)", "callback.attempts": "\(entry.attempts + 1)",
                "callback.retry_in_seconds": "\(Int(next.timeIntervalSinceNow.rounded()))",
            ])
        case .givenUp(let error):
            metrics.callbackDelivery(target: entry.target, outcome: "given_up")
            logger.error("callback given up", metadata: [
                "callback.id": "\(entry.id)", "callback.target": "\(entry.target.rawValue)", "callback.host": "\(host)",
                "callback.error": "\(error)", "callback.attempts": "\(entry.attempts + 1)",
            ])
        }
    }

    private func failure(_ error: String, _ httpStatus: Int?, _ entry: OutboxEntry) -> DeliveryResult {
        switch policy.outcome(error: error, httpStatus: httpStatus, attempts: entry.attempts + 1, queuedAt: entry.createdAt, now: Date()) {
        case .retry(let at): .retry(error: error, next: at)
        case .givenUp: .givenUp(error: error)
        }
    }

    /// POSTs the row's body; returns the HTTP status.
    private func post(_ entry: OutboxEntry, _ client: HTTPClient) async throws -> Int {
        var request: HTTPClientRequest
        switch entry.target {
        case .fides:
            guard let fidesURL else { throw CallbackError("no --fides-url configured") }
            guard let token = entry.token else { throw CallbackError("the request has no reply-to-token") }
            request = HTTPClientRequest(url: fidesURL + entry.url)
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        case .status:
            request = HTTPClientRequest(url: entry.url)
            let store = self.store, body = entry.body
            let signature = try await Blocking.run { try store.callbackSignature(body: body, time: Int(Date().timeIntervalSince1970)) }
            request.headers.add(name: "Unlearn-Signature", value: signature)
        }
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "unlearn")
        // Lets a receiver drop a repeat: at-least-once delivery may send a row twice.
        request.headers.add(name: "Unlearn-Delivery", value: "\(entry.id)")
        request.body = .bytes(ByteBuffer(string: entry.body))
        let response = try await client.execute(request, timeout: .milliseconds(Int64(policy.timeout * 1000)))
        _ = try? await response.body.collect(upTo: 64 * 1024)
        return Int(response.status.code)
    }

    private func refreshGauges() async {
        let store = self.store
        guard let summary = try? await Blocking.run({ try store.ledger.outboxSummary() }) else { return }
        metrics.callbacksPending.record(summary.pending)
        metrics.callbacksFailing.record(summary.failing.count)
    }
}

/// A delivery that could not be attempted (configuration), with a message free of ids.
struct CallbackError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
