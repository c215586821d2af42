import Foundation
import Hummingbird
import Logging

/// An error answered as `{"error": {"code": …, "message": …}}`. Messages name fields and
/// positions, never record or subject ids, and never carry a stack trace.
public struct APIError: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    /// For 405: the methods the path takes.
    var allow: String?

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String, allow: String) {
        self.init(status, code, message)
        self.allow = allow
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body: [String: [String: String]] = ["error": ["code": code, "message": message]]
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        if let allow { headers[.allow] = allow }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func badRequest(_ field: String, _ message: String) -> APIError {
        APIError(.badRequest, "invalid_field", "\(field): \(message)")
    }
    static let unauthorized = APIError(.unauthorized, "unauthorized", "a valid bearer token is required")
    static func forbidden(_ roles: [Role]) -> APIError {
        APIError(.forbidden, "forbidden", "this route needs a token with role \(roles.map(\.rawValue).joined(separator: " or "))")
    }
    static let notFound = APIError(.notFound, "not_found", "no such deletion request")
    static let tooLarge = APIError(.contentTooLarge, "body_too_large", "the request body is larger than the limit")
    static let unavailable = APIError(.serviceUnavailable, "unavailable", "the service is shutting down or not ready")
}

/// Turns every error into the JSON error body: no stack trace, no ids, a generic 500 otherwise.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            switch error.status {
            case .notFound:
                let allowed = ServiceRoutes.methods(forPath: request.uri.path)
                if !allowed.isEmpty {
                    throw APIError(.methodNotAllowed, "method_not_allowed", "this route takes \(allowed.map(\.rawValue).joined(separator: ", "))",
                                   allow: allowed.map(\.rawValue).joined(separator: ", "))
                }
                throw APIError(.notFound, "not_found", "no such route")
            case .methodNotAllowed: throw APIError(.methodNotAllowed, "method_not_allowed", "method not allowed on this route")
            case .contentTooLarge: throw APIError.tooLarge
            default:
                throw APIError(error.status, "http_error", error.status.reasonPhrase)
            }
        } catch {
            // The type only: descriptions of store errors may quote inputs.
            logger.error("request failed", metadata: ["error.type": "\(type(of: error))", "http.route": "\(context.endpointPath ?? "-")"])
            throw APIError(.internalServerError, "internal", "internal error; the service log has details")
        }
    }
}
