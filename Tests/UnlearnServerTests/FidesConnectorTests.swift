import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Testing
import UnlearnServer

/// The fides connector in ops/fides must stay in step with the API: its erasure request, rendered
/// the way fides renders it, is accepted by `POST /v1/deletions`; its test request answers without
/// a token; its dataset keeps the primary key fides needs to call us at all.
@Suite struct FidesConnectorTests {
    static let folder = ServerFixtures.repository.appendingPathComponent("ops/fides")

    static func text(_ name: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
    }

    /// The value after `key:` on the first line at or after `start` that has it (trimmed), and that line's index.
    static func value(_ key: String, in lines: [Substring], from start: Int = 0) -> (String, Int)? {
        for i in start..<lines.count {
            let line = lines[i].trimmingCharacters(in: .whitespaces)
            if line.hasPrefix(key + ":") || line.hasPrefix("- " + key + ":") {
                let rest = line.drop(while: { $0 != ":" }).dropFirst()
                return (rest.trimmingCharacters(in: .whitespaces), i)
            }
        }
        return nil
    }

    /// The lines of the YAML literal block (`key: |`) starting after line `start`, indentation removed.
    static func literalBlock(_ key: String, in lines: [Substring], from start: Int) throws -> String {
        let (marker, at) = try #require(value(key, in: lines, from: start))
        #expect(marker == "|", "\(key) should be a literal block")
        let indent = lines[at].prefix(while: { $0 == " " }).count
        var block: [String] = []
        for line in lines[(at + 1)...] {
            let lineIndent = line.prefix(while: { $0 == " " }).count
            if !line.trimmingCharacters(in: .whitespaces).isEmpty && lineIndent <= indent { break }
            block.append(String(line.dropFirst(min(lineIndent, indent + 2))))
        }
        return block.joined(separator: "\n")
    }

    /// fides's substitution: every `<name>` placeholder replaced by its value, verbatim.
    static func render(_ template: String, _ values: [String: String]) -> String {
        values.reduce(template) { $0.replacingOccurrences(of: "<\($1.key)>", with: $1.value) }
    }

    @Test func theErasureRequestAsFidesSendsItIsAcceptedAndKeepsFidesID() async throws {
        let lines = try Self.text("unlearn_config.yml").split(separator: "\n", omittingEmptySubsequences: false)
        let (_, deleteAt) = try #require(Self.value("delete", in: lines))
        let (method, _) = try #require(Self.value("method", in: lines, from: deleteAt))
        let (path, _) = try #require(Self.value("path", in: lines, from: deleteAt))
        #expect(method == "POST" && path == "/v1/deletions")
        let (strategy, _) = try #require(Self.value("strategy", in: lines, from: deleteAt))
        #expect(strategy == "callback")
        let (identity, _) = try #require(Self.value("identity", in: lines, from: deleteAt))
        #expect(identity == "external_id", "fides substitutes custom identities as {label, value}; use external_id")

        // Headers as name/value pairs between `headers:` and `param_values:`.
        let (_, headersAt) = try #require(Self.value("headers", in: lines, from: deleteAt))
        let (_, paramsAt) = try #require(Self.value("param_values", in: lines, from: headersAt))
        var headerTemplates: [(String, String)] = []
        var i = headersAt
        while let (name, at) = Self.value("name", in: lines, from: i + 1), at < paramsAt {
            let (value, valueAt) = try #require(Self.value("value", in: lines, from: at + 1))
            headerTemplates.append((name, value))
            i = valueAt
        }
        #expect(headerTemplates.map(\.0) == ["Content-Type", "reply-to", "reply-to-token"])

        let values = ["record_id": "person-5", "privacy_request_id": "pri_6f0d3c1e-fides",
                      "reply_to": "/api/v1/request-task/callback", "reply_to_token": "eyJhbGciOiJkaXIifQ.e2e.token"]
        let body = Self.render(try Self.literalBlock("body", in: lines, from: paramsAt), values)
        var headers = HTTPFields()
        for (name, template) in headerTemplates {
            headers[try #require(HTTPField.Name(name))] = Self.render(template, values)
        }
        #expect(headers[HTTPField.Name("reply-to")!] == "/api/v1/request-task/callback")

        let root = try ServerFixtures.createStore()
        let tokens = try ServerFixtures.tokens(root)
        headers[.authorization] = "Bearer \(tokens[.intake]!)"
        let fidesHeaders = headers
        let app = try await buildApplication(RouterTests.options(root))
        try await app.test(.router) { client in
            let created = try await client.execute(uri: "/v1/deletions", method: .post, headers: fidesHeaders, body: ByteBuffer(string: body))
            let createdText = String(buffer: created.body)
            #expect(created.status.code == 202, "the connector's body was refused: \(createdText)")
            let createdJSON = try TestJSON.parse(Data(created.body.readableBytesView))
            #expect(createdJSON["external_id"]?.string == "pri_6f0d3c1e-fides")
            #expect(createdJSON["status"]?.string == "pending")
            let id = try #require(createdJSON["deletion_id"]?.int)

            // The polling alternative reads this route's `status` with the same token.
            let one = try await RouterTests.call(client, .get, "/v1/deletions/\(id)", template: "/v1/deletions/{id}", token: tokens[.intake])
            #expect(one.status == 200 && one.json?["external_id"]?.string == "pri_6f0d3c1e-fides")
            #expect(one.json?["status"]?.string == "pending")

            // fides's connection test runs test_request with no token of ours checked.
            let (_, testAt) = try #require(Self.value("test_request", in: lines))
            let (testPath, _) = try #require(Self.value("path", in: lines, from: testAt))
            let test = try await client.execute(uri: testPath, method: .get, headers: [:])
            #expect(test.status.code == 200, "test_request \(testPath) answered \(test.status.code)")
        }
    }

    @Test func theDatasetFieldIsAPrimaryKeyAndTheKeysAreTemplated() throws {
        let dataset = try Self.text("unlearn_dataset.yml")
        let lines = dataset.split(separator: "\n")
        let (_, fieldsAt) = try #require(Self.value("fields", in: lines))
        let (field, fieldAt) = try #require(Self.value("name", in: lines, from: fieldsAt))
        #expect(field == "record_id")
        let (_, metaAt) = try #require(Self.value("fides_meta", in: lines, from: fieldAt))
        let (primary, _) = try #require(Self.value("primary_key", in: lines, from: metaAt))
        #expect(primary == "true", "without primary_key fides skips the erasure and still reports complete")
        let (_, collectionsAt) = try #require(Self.value("collections", in: lines))
        let (collection, _) = try #require(Self.value("name", in: lines, from: collectionsAt))
        let config = try Self.text("unlearn_config.yml").split(separator: "\n")
        let (_, endpointsAt) = try #require(Self.value("endpoints", in: config))
        let (endpoint, _) = try #require(Self.value("name", in: config, from: endpointsAt))
        #expect(collection == endpoint, "the endpoint must be named after the dataset's collection")
        // Template zips require <instance_fides_key> in both files.
        #expect(Self.value("fides_key", in: lines)?.0 == "<instance_fides_key>")
        #expect(Self.value("fides_key", in: config)?.0 == "<instance_fides_key>")
    }
}
