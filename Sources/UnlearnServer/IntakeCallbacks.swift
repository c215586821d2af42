import Foundation
import Hummingbird
import UnlearnLedger

/// Where a `POST /v1/deletions` caller wants to hear back: fides's `reply-to` and
/// `reply-to-token` headers and the body's `status_callback_urls`. Nil when it gave none.
///
/// - Throws: 422 naming the header for a reply-to that is not a path or one header without the
///   other (well-formed headers that cannot be used together; OpenAPI cannot state the pairing),
///   400 naming the field for more than 5 URLs or a URL that is not http(s) with a host.
func intakeCallbacks(_ request: Request, _ body: JSONObject) throws -> RequestCallbacks? {
    let replyTo = try header(request, "reply-to")
    let token = try header(request, "reply-to-token")
    switch (replyTo, token) {
    case (let path?, _):
        guard path.hasPrefix("/"), !path.hasPrefix("//"), path.utf8.count <= 2048 else {
            throw unusableHeader("reply-to", "must be a path on the fides server, such as /api/v1/request-task/callback")
        }
        if token == nil { throw unusableHeader("reply-to-token", "is required with reply-to") }
    case (nil, _?): throw unusableHeader("reply-to", "is required with reply-to-token")
    case (nil, nil): break
    }
    let urls = try body.stringArray("status_callback_urls", maxCount: 5) ?? []
    for (index, text) in urls.enumerated() {
        guard text.utf8.count <= 2048, let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty, url.user == nil, url.password == nil
        else {
            throw APIError.badRequest("status_callback_urls[\(index)]", "must be an http or https URL with a host (and no user info)")
        }
    }
    let callbacks = RequestCallbacks(replyTo: replyTo, replyToken: token, statusURLs: urls)
    return callbacks.isEmpty ? nil : callbacks
}

private func unusableHeader(_ name: String, _ message: String) -> APIError {
    APIError(.unprocessableContent, "invalid_header", "\(name): \(message)")
}

/// A header's value: printable ASCII, 1…4096 bytes; nil when absent.
private func header(_ request: Request, _ name: String) throws -> String? {
    guard let value = request.headers.first(where: { $0.name.canonicalName == name })?.value else { return nil }
    guard !value.isEmpty, value.utf8.count <= 4096, value.utf8.allSatisfy({ (0x21...0x7e).contains($0) }) else {
        throw APIError.badRequest(name, "must be 1…4096 printable ASCII characters without spaces")
    }
    return value
}
