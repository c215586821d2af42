import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import UnlearnLedger
import UnlearnStore

/// Everything the handlers share: the store, the in-memory model, tokens, metrics, intake and scheduler.
final class ServiceContext: Sendable {
    let store: Store
    let options: ServeOptions
    let metrics: ServiceMetrics
    let tokens: TokenAuthenticator
    let model: ModelHolder
    let intake: IntakeBatcher
    let scheduler: RetrainScheduler
    let watcher: ModelWatcher
    let callbacks: CallbackSender
    let logger: Logger

    init(store: Store, options: ServeOptions) {
        let logger = options.logger
        let metrics = ServiceMetrics()
        let model = ModelHolder(store: store, logger: logger)
        let callbacks = CallbackSender(store: store, options: options, metrics: metrics, model: model, logger: logger)
        let scheduler = RetrainScheduler(store: store, options: options, metrics: metrics, model: model, logger: logger) {
            callbacks.notify()
        }
        self.callbacks = callbacks
        self.store = store
        self.options = options
        self.metrics = metrics
        self.tokens = TokenAuthenticator(ledger: store.ledger)
        self.model = model
        self.scheduler = scheduler
        self.watcher = ModelWatcher(store: store, model: model, metrics: metrics, interval: options.pollInterval, logger: logger) {
            callbacks.notify()
        }
        self.logger = logger
        self.intake = IntakeBatcher(store: store, metrics: metrics, nice: options.intakeNice, logger: logger) { [scheduler] commit in
            scheduler.notify()
            // Only calls with callback URLs queue outbox rows at intake.
            if commit.queuedCallbacks { callbacks.notify() }
        }
    }
}

/// Builds the service: opens the store (recovering from any interrupted job), loads the live
/// model, and wires the routes, the intake group-committer, the scheduler and the model watcher.
///
/// `unlearn serve` runs the result with `runService()`; tests call the same function with
/// `app.test(.router)` and `.live`.
public func buildApplication(_ options: ServeOptions) async throws -> some ApplicationProtocol {
    let store = try await Blocking.run { try Store.open(options.store, pageCache: .service, logger: options.logger) }
    BackgroundWork.setPriority(options.retrainPriority)
    // An interrupted retrain (a killed server) is recovered before we serve: whole-store lock,
    // so a concurrent CLI job makes this wait for the scheduler's first run instead.
    try? await Blocking.run(on: Blocking.retrains) { _ = try store.recoverLocked() }
    let context = ServiceContext(store: store, options: options)
    try await Blocking.run { _ = try context.model.refresh() }
    _ = try? await Blocking.run {
        try store.ledger.appendEvent(kind: .serviceStarted, requestID: nil, recordKey: nil, shard: nil,
                                     payload: "{\"pid\":\(ProcessInfo.processInfo.processIdentifier)}", at: Date())
    }

    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: HTTPMetricsMiddleware(metrics: context.metrics))
    router.add(middleware: ErrorMiddleware(logger: options.logger))
    addRoutes(router, context)

    let checkpoints = LedgerCheckpoints(checkpointer: try store.ledger.backgroundCheckpointer(), logger: options.logger)
    var services: [any Service] = [context.intake, context.scheduler, context.watcher, context.callbacks, checkpoints]
    if let metricsPort = options.metricsPort {
        let metricsRouter = Router(context: BasicRequestContext.self)
        metricsRouter.get("/metrics") { _, _ in metricsResponse(context) }
        services.append(Application(router: metricsRouter, configuration: .init(address: .hostname(options.host, port: metricsPort), serverName: "unlearn-metrics"),
                                    logger: options.logger))
    }
    let host = options.host
    let onListening = options.onListening
    return Application(
        router: router,
        configuration: .init(address: .hostname(host, port: options.port), serverName: "unlearn"),
        services: services,
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? options.port
            onListening?(host, port)
        },
        logger: options.logger)
}

func metricsResponse(_ context: ServiceContext) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
    return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: context.metrics.text())))
}

/// Registers a route from `ServiceRoutes.all`, checking its roles before the handler runs.
private func route(
    _ router: Router<BasicRequestContext>, _ method: HTTPRequest.Method, _ path: String, _ context: ServiceContext,
    _ handler: @escaping @Sendable (Request, BasicRequestContext, String) async throws -> Response
) {
    let spec = ServiceRoutes.spec(method, path)
    router.on(RouterPath(path), method: method) { request, requestContext in
        var caller = "-"
        if !spec.roles.isEmpty {
            caller = try await context.tokens.authorize(request, roles: spec.roles).1
        }
        return try await handler(request, requestContext, caller)
    }
}

private func addRoutes(_ router: Router<BasicRequestContext>, _ c: ServiceContext) {
    route(router, .post, "/v1/deletions", c) { request, _, caller in try await postDeletion(request, c, caller: caller) }
    route(router, .get, "/v1/deletions", c) { request, _, _ in try await listDeletions(request, c) }
    route(router, .get, "/v1/deletions/:id", c) { _, context, _ in try await getDeletion(context, c) }
    route(router, .delete, "/v1/deletions/:id", c) { _, context, caller in try await cancelDeletion(context, c, caller: caller) }
    route(router, .get, "/v1/deletions/:id/receipt", c) { _, context, _ in try await getReceipt(context, c) }
    route(router, .post, "/v1/predict", c) { request, _, _ in try await predict(request, c) }
    route(router, .get, "/v1/status", c) { _, _, _ in try await status(c) }
    route(router, .get, "/v1/audit", c) { request, _, _ in try await audit(request, c) }
    route(router, .post, "/v1/audit/verify", c) { _, _, _ in
        let report = try await Blocking.run { try c.store.ledger.verifyChain() }
        return try jsonResponse(VerifyBody(intact: report.isIntact, eventsChecked: report.eventsChecked,
                                           firstBrokenSeq: report.firstBrokenSeq, reason: report.reason))
    }
    route(router, .post, "/v1/retrain", c) { _, _, caller in
        c.logger.info("retrain requested", metadata: ["token.name": "\(caller)"])
        guard let report = try await c.scheduler.retrainNow() else {
            throw APIError(.conflict, "busy", "another retrain job holds the store lock; try again later")
        }
        return try jsonResponse(RetrainBody(
            status: report.status.rawValue, reason: report.reason, modelVersion: report.version, job: report.job,
            completedRequests: report.completedRequests, shardsRetrained: report.plan?.shards.count ?? 0, seconds: report.seconds))
    }
    route(router, .get, "/v1/openapi.json", c) { _, _, _ in
        jsonResponse(ByteBuffer(bytes: OpenAPISpec.data))
    }
    route(router, .get, "/healthz", c) { _, _, _ in try jsonResponse(HealthBody(status: "ok")) }
    route(router, .get, "/readyz", c) { _, _, _ in
        guard let loaded = c.model.current else {
            return try jsonResponse(HealthBody(status: "not_ready"), status: .serviceUnavailable)
        }
        return try jsonResponse(HealthBody(status: "ready", modelVersion: loaded.version))
    }
    route(router, .get, "/metrics", c) { _, _, _ in metricsResponse(c) }
}

/// Builds the application and runs it until SIGTERM or SIGINT (graceful shutdown).
public func serve(_ options: ServeOptions) async throws {
    let app = try await buildApplication(options)
    try await app.runService()
}
