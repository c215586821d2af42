import Hummingbird

/// One route of the API and the roles it admits (none: open, such as health and metrics).
public struct RouteSpec: Sendable, Hashable {
    public var method: HTTPRequest.Method
    /// Hummingbird path template, e.g. `/v1/deletions/:id`.
    public var path: String
    public var roles: [Role]
}

/// Every route the service registers. Registration goes through this table, so a test can walk
/// it and check that each protected route refuses anonymous and wrong-role calls.
public enum ServiceRoutes {
    public static let all: [RouteSpec] = [
        RouteSpec(method: .post, path: "/v1/deletions", roles: [.intake]),
        RouteSpec(method: .get, path: "/v1/deletions", roles: [.audit]),
        RouteSpec(method: .get, path: "/v1/deletions/:id", roles: [.intake, .audit]),
        RouteSpec(method: .delete, path: "/v1/deletions/:id", roles: [.intake]),
        RouteSpec(method: .get, path: "/v1/deletions/:id/receipt", roles: [.intake, .audit]),
        RouteSpec(method: .post, path: "/v1/predict", roles: [.predict]),
        RouteSpec(method: .get, path: "/v1/status", roles: [.operator, .audit]),
        RouteSpec(method: .get, path: "/v1/audit", roles: [.audit]),
        RouteSpec(method: .post, path: "/v1/audit/verify", roles: [.audit]),
        RouteSpec(method: .post, path: "/v1/retrain", roles: [.operator]),
        RouteSpec(method: .get, path: "/v1/openapi.json", roles: []),
        RouteSpec(method: .get, path: "/healthz", roles: []),
        RouteSpec(method: .get, path: "/readyz", roles: []),
        RouteSpec(method: .get, path: "/metrics", roles: []),
    ]

    /// The methods registered for a concrete path (`:id` matches any segment); empty when none.
    static func methods(forPath path: String) -> [HTTPRequest.Method] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        return all.filter { route in
            let template = route.path.split(separator: "/", omittingEmptySubsequences: true)
            return template.count == parts.count && zip(template, parts).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
        }.map(\.method)
    }

    static func spec(_ method: HTTPRequest.Method, _ path: String) -> RouteSpec {
        guard let spec = all.first(where: { $0.method == method && $0.path == path }) else {
            preconditionFailure("route \(method) \(path) is not in ServiceRoutes.all")
        }
        return spec
    }
}

/// Counts HTTP requests by route template (never the raw path) and status.
struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServiceMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        func record(_ status: Int) {
            let elapsed = ContinuousClock.now - start
            let nanoseconds = UInt64(elapsed.components.seconds) * 1_000_000_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000)
            metrics.httpRequest(route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: status, nanoseconds: nanoseconds)
        }
        do {
            let response = try await next(request, context)
            record(response.status.code)
            return response
        } catch let error as any HTTPResponseError {
            record(error.status.code)
            throw error
        } catch {
            record(500)
            throw error
        }
    }
}
