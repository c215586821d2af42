import Foundation

/// The OpenAPI 3.1 description of the API, served at `/v1/openapi.json`.
///
/// The file `Sources/UnlearnServer/openapi.json` is the source; `ops/serve/embed-openapi.sh`
/// copies it into `OpenAPI+Embedded.swift` (a test checks the two are equal), so the binary
/// needs no resource bundle beside it.
public enum OpenAPISpec {
    public static var data: Data { Data(embeddedOpenAPI.utf8) }
}
