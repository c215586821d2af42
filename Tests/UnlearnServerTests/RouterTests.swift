import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import UnlearnLedger
import UnlearnServer
import UnlearnStore

/// In-process tests of every route, role and error, through `app.test(.router)`; every
/// response is checked against the OpenAPI file.
@Suite(.serialized) struct RouterTests {
    static let checker = try! OpenAPIChecker(data: OpenAPISpec.data)

    struct Reply {
        var status: Int
        var body: Data
        var json: TestJSON?
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Sends a request and checks the reply against the spec's entry for `template`.
    static func call(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, template: String? = nil,
        token: String?, json: Any? = nil, raw: String? = nil, headers extra: HTTPFields = [:], conforms: Bool = true
    ) async throws -> Reply {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json))
        } else if let raw {
            headers[.contentType] = "application/json"
            body = ByteBuffer(string: raw)
        }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
        let data = Data(response.body.readableBytesView)
        let reply = Reply(status: response.status.code, body: data, json: try? TestJSON.parse(data))
        let path = template ?? String(uri.split(separator: "?").first ?? "")
        let contentType = path == "/metrics" ? "text/plain" : "application/json"
        let problems = conforms ? checker.check(method: method.rawValue, path: path, status: reply.status, body: data, contentType: contentType) : []
        #expect(problems.isEmpty, "\(method) \(uri) \(reply.status): \(problems) body: \(reply.text.prefix(400))")
        return reply
    }

    static func options(_ root: String, scheduler: Bool = false) -> ServeOptions {
        var options = ServeOptions(store: root)
        options.schedulerEnabled = scheduler
        options.batchWindow = 0.05
        options.pollInterval = 0.1
        options.maxBodyBytes = 64 * 1024
        options.logger = ServerFixtures.quietLogger
        return options
    }

    @Test func everyRouteRefusesAnonymousAndWrongRoles() async throws {
        let root = try ServerFixtures.createStore()
        let tokens = try ServerFixtures.tokens(root)
        let app = try await buildApplication(Self.options(root))
        try await app.test(.router) { client in
            for route in ServiceRoutes.all where !route.roles.isEmpty {
                let uri = route.path.replacingOccurrences(of: ":id", with: "1")
                let anonymous = try await Self.call(client, route.method, uri, template: Self.template(route.path), token: nil)
                #expect(anonymous.status == 401, "\(route.method) \(route.path) anonymous")
                #expect(anonymous.json?["error"]?["code"]?.string == "unauthorized")
                let unknown = try await Self.call(client, route.method, uri, template: Self.template(route.path), token: "ulk_not-a-token")
                #expect(unknown.status == 401, "\(route.method) \(route.path) unknown token")
                for role in Role.allCases where !route.roles.contains(role) {
                    let reply = try await Self.call(client, route.method, uri, template: Self.template(route.path), token: tokens[role])
                    #expect(reply.status == 403, "\(route.method) \(route.path) as \(role)")
                }
            }
            // Unknown routes and methods: JSON 404 and 405 (with Allow).
            let nope = try await Self.call(client, .get, "/nope", token: nil, conforms: false)
            #expect(nope.status == 404 && nope.json?["error"]?["code"]?.string == "not_found")
            let put = try await Self.call(client, .put, "/v1/deletions/3", token: tokens[.intake], conforms: false)
            #expect(put.status == 405 && put.json?["error"]?["code"]?.string == "method_not_allowed")
            // Open routes answer without a token.
            for route in ServiceRoutes.all where route.roles.isEmpty {
                let reply = try await Self.call(client, route.method, route.path, token: nil)
                #expect(reply.status == 200, "\(route.path)")
            }
        }
    }

    static func idempotency(_ key: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[.init("Idempotency-Key")!] = key
        return headers
    }

    /// The spec's template for a Hummingbird path (`:id` -> `{id}`).
    static func template(_ path: String) -> String { path.replacingOccurrences(of: ":id", with: "{id}") }

    @Test func intakeStatusCancelListAndErrors() async throws {
        let root = try ServerFixtures.createStore()
        let tokens = try ServerFixtures.tokens(root)
        let app = try await buildApplication(Self.options(root))
        let intake = tokens[.intake]!, audit = tokens[.audit]!
        try await app.test(.router) { client in
            // Two ids: all or nothing; 202 with shard and slice of each.
            let created = try await Self.call(client, .post, "/v1/deletions", token: intake,
                                              json: ["record_ids": ["person-1", "person-2"], "reason": "Art. 17", "requested_by": "dpo@example.com", "external_id": "fides-1"])
            #expect(created.status == 202)
            let ids = created.json?["deletion_ids"]?.array?.compactMap(\.int) ?? []
            #expect(ids.count == 2)
            #expect(created.json?["records"]?.array?.count == 2)
            #expect(created.json?["status"]?.string == "pending")
            #expect(!created.text.contains("person-"))

            // A retry with the same external id answers with the same requests.
            let retry = try await Self.call(client, .post, "/v1/deletions", token: intake,
                                            json: ["record_ids": ["person-1", "person-2"], "external_id": "fides-1"])
            #expect(retry.status == 202)
            #expect(retry.json?["deletion_ids"]?.array?.compactMap(\.int) == ids)
            #expect(retry.json?["repeated"]?.bool == true)
            // The Idempotency-Key header works the same way.
            let keyed1 = try await Self.call(client, .post, "/v1/deletions", token: intake, json: ["subject": "household-10"],
                                             headers: Self.idempotency("abc"))
            let keyed2 = try await Self.call(client, .post, "/v1/deletions", token: intake, json: ["subject": "household-10"],
                                             headers: Self.idempotency("abc"))
            #expect(keyed1.status == 202 && keyed2.status == 202)
            #expect(keyed1.json?["deletion_id"] == keyed2.json?["deletion_id"])
            #expect(keyed1.json?["records"]?.array?.count == 3)

            // An unknown id: 422 naming its position, not the id; nothing recorded.
            let unknown = try await Self.call(client, .post, "/v1/deletions", token: intake, json: ["record_ids": ["person-3", "nobody-secret-9"]])
            #expect(unknown.status == 422)
            #expect(unknown.json?["error"]?["message"]?.string?.contains("record_ids[1]") == true)
            #expect(!unknown.text.contains("nobody-secret-9") && !unknown.text.contains("person-3"))
            #expect(try Store.open(root, logger: ServerFixtures.quietLogger).record(id: "person-3")?.state == .live)

            // Bad input: 400 naming the field.
            for (body, field) in [
                (#"{"record_ids": ["person-4"]"#, "body"), (#"[1, 2]"#, "body"), (#"{"record_ids": "person-4"}"#, "record_ids"),
                (#"{"record_ids": [4]}"#, "record_ids[0]"), (#"{"record_ids": ["person-4"], "colour": 1}"#, "colour"),
                (#"{"reason": "x"}"#, "record_ids"), (#"{"record_ids": ["person-4"], "subject": "s"}"#, "subject"),
                (#"{"record_ids": ["person-4"], "reason": 7}"#, "reason"), ("", "body"),
            ] {
                let reply = try await Self.call(client, .post, "/v1/deletions", token: intake, raw: body)
                #expect(reply.status == 400, "\(body)")
                #expect(reply.json?["error"]?["message"]?.string?.hasPrefix(field + ":") == true, "\(body): \(reply.text)")
                #expect(!reply.text.contains("person-4"))
            }
            // Too large: 413.
            let big = try await Self.call(client, .post, "/v1/deletions", token: intake,
                                          raw: #"{"record_ids": [""# + Array(repeating: "\"person-5\"", count: 10_000).joined(separator: ",") + "]}")
            #expect(big.status == 413)

            // Status with the whole timeline, for intake and audit.
            let one = try await Self.call(client, .get, "/v1/deletions/\(ids[0])", template: "/v1/deletions/{id}", token: audit)
            #expect(one.status == 200)
            #expect(one.json?["external_id"]?.string == "fides-1")
            #expect(one.json?["timeline"]?.array?.first?["kind"]?.string == "request.received")
            let missing = try await Self.call(client, .get, "/v1/deletions/99999", template: "/v1/deletions/{id}", token: intake)
            #expect(missing.status == 404)
            let badID = try await Self.call(client, .get, "/v1/deletions/abc", template: "/v1/deletions/{id}", token: intake)
            #expect(badID.status == 400)

            // Cancel: 200 cancelled, audited; again: 409.
            let cancelled = try await Self.call(client, .delete, "/v1/deletions/\(ids[1])", template: "/v1/deletions/{id}", token: intake)
            #expect(cancelled.status == 200)
            #expect(cancelled.json?["status"]?.string == "cancelled")
            #expect(cancelled.json?["timeline"]?.array?.contains { $0["kind"]?.string == "request.cancelled" } == true)
            let again = try await Self.call(client, .delete, "/v1/deletions/\(ids[1])", template: "/v1/deletions/{id}", token: intake)
            #expect(again.status == 409)
            let gone = try await Self.call(client, .delete, "/v1/deletions/424242", template: "/v1/deletions/{id}", token: intake)
            #expect(gone.status == 404)

            // Lists: filters and cursor pagination.
            let pending = try await Self.call(client, .get, "/v1/deletions?status=pending", token: audit)
            #expect(pending.json?["deletions"]?.array?.count == 2)
            let cancelledList = try await Self.call(client, .get, "/v1/deletions?status=cancelled", token: audit)
            #expect(cancelledList.json?["deletions"]?.array?.count == 1)
            let page1 = try await Self.call(client, .get, "/v1/deletions?limit=2", token: audit)
            let cursor = try #require(page1.json?["next_cursor"]?.string)
            let page2 = try await Self.call(client, .get, "/v1/deletions?limit=2&cursor=\(cursor)", token: audit)
            #expect(page2.json?["deletions"]?.array?.count == 1)
            #expect(page2.json?["next_cursor"] == nil)
            let bySubject = try await Self.call(client, .get, "/v1/deletions?subject=household-10", token: audit)
            #expect(bySubject.json?["deletions"]?.array?.count == 1)
            let overdue = try await Self.call(client, .get, "/v1/deletions?overdue=true", token: audit)
            #expect(overdue.json?["deletions"]?.array?.count == 0)
            let since = try await Self.call(client, .get, "/v1/deletions?since=2000-01-01T00:00:00Z&until=2000-01-02", token: audit)
            #expect(since.json?["deletions"]?.array?.count == 0)
            for bad in ["status=weird", "since=yesterday", "limit=0", "cursor=x", "colour=red", "overdue=maybe", "until=", "subject="] {
                let reply = try await Self.call(client, .get, "/v1/deletions?\(bad)", token: audit)
                #expect(reply.status == 400, "\(bad)")
            }

            // Audit with the CLI's filters, and the chain.
            let byID = try await Self.call(client, .get, "/v1/audit?id=person-1", token: audit)
            #expect(byID.json?["requests"]?.array?.count == 1)
            let byStatus = try await Self.call(client, .get, "/v1/audit?status=pending&shard=0&limit=10", token: audit)
            #expect(byStatus.status == 200)
            let verify = try await Self.call(client, .post, "/v1/audit/verify", token: audit)
            #expect(verify.json?["intact"]?.bool == true)

            // Metrics never hold ids and count what happened.
            let metrics = try await Self.call(client, .get, "/metrics", token: nil)
            #expect(metrics.text.contains("unlearn_deletion_requests_received_total 3"))
            #expect(metrics.text.contains(#"route="/v1/deletions/{id}""#))
            #expect(!metrics.text.contains("person-") && !metrics.text.contains("household-"))
        }
    }

    @Test func predictRetrainAndStatus() async throws {
        let root = try ServerFixtures.createStore()
        let tokens = try ServerFixtures.tokens(root)
        let app = try await buildApplication(Self.options(root))
        try await app.test(.router) { client in
            let predictor = tokens[.predict]!
            // Objects keyed by column name (extra columns ignored) and arrays in schema order.
            var row = ServerFixtures.adultRow(0)
            row["unused"] = "x"
            let fields = ServerFixtures.adultLines[0].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let ordered: [Any] = ["person-0", "household-0"] + fields.dropLast().map { Double($0) ?? $0 as Any }
            let reply = try await Self.call(client, .post, "/v1/predict", token: predictor, json: ["rows": [row, ordered, ["2": NSNull()]]])
            #expect(reply.status == 200)
            #expect(reply.json?["labels"]?.array?.count == 3)
            #expect(reply.json?["labels"]?[0] == reply.json?["labels"]?[1])
            #expect(reply.json?["scores"]?[0] == reply.json?["scores"]?[1])
            let version = try #require(reply.json?["model_version"]?.int)

            for (body, field) in [
                (#"{"rows": 3}"#, "rows"), (#"{"rows": []}"#, "rows"), (#"{"rows": [7]}"#, "rows[0]"),
                (#"{"rows": [{"2": [1]}]}"#, "rows[0].2"), (#"{"rows": [{}], "exclude_pending": "yes"}"#, "exclude_pending"),
                (#"{"row": []}"#, "row"),
            ] {
                let bad = try await Self.call(client, .post, "/v1/predict", token: predictor, raw: body)
                #expect(bad.status == 400, "\(body)")
                #expect(bad.json?["error"]?["message"]?.string?.hasPrefix(field + ":") == true, "\(body): \(bad.text)")
            }
            // Well-formed rows that do not fit the store's schema: 422 naming row and column.
            for (body, field) in [(#"{"rows": [{"2": "abc"}]}"#, "rows[0].2"), (#"{"rows": [[1, 2]]}"#, "rows[0]")] {
                let bad = try await Self.call(client, .post, "/v1/predict", token: predictor, raw: body)
                #expect(bad.status == 422, "\(body)")
                #expect(bad.json?["error"]?["message"]?.string?.hasPrefix(field + ":") == true, "\(body): \(bad.text)")
            }

            // A pending deletion: exclude_pending leaves its shard out at once.
            let created = try await Self.call(client, .post, "/v1/deletions", token: tokens[.intake], json: ["record_ids": ["person-7"]])
            let shard = try #require(created.json?["records"]?[0]?["shard"]?.int)
            let excluded = try await Self.call(client, .post, "/v1/predict", token: predictor, json: ["rows": [row], "exclude_pending": true])
            #expect(excluded.json?["excluded_shards"]?.array?.compactMap(\.int) == [shard])

            let status = try await Self.call(client, .get, "/v1/status", token: tokens[.operator])
            #expect(status.json?["pending_requests"]?.int == 1)
            #expect(status.json?["scheduler"]?["state"]?.string == "disabled")

            // An operator's retrain completes it and the model in memory moves to the new version.
            let retrain = try await Self.call(client, .post, "/v1/retrain", token: tokens[.operator])
            #expect(retrain.json?["status"]?.string == "completed")
            #expect(retrain.json?["shards_retrained"]?.int == 1)
            let id = try #require(created.json?["deletion_id"]?.int)
            let done = try await Self.call(client, .get, "/v1/deletions/\(id)", template: "/v1/deletions/{id}", token: tokens[.intake])
            #expect(done.json?["status"]?.string == "completed")
            #expect(done.json?["model_version"]?.int == version + 1)
            let after = try await Self.call(client, .post, "/v1/predict", token: predictor, json: ["rows": [row]])
            #expect(after.json?["model_version"]?.int == version + 1)
            let ready = try await Self.call(client, .get, "/readyz", token: nil)
            #expect(ready.json?["model_version"]?.int == version + 1)
            let nothing = try await Self.call(client, .post, "/v1/retrain", token: tokens[.operator])
            #expect(nothing.json?["status"]?.string == "nothing-to-do")

            let metrics = try await Self.call(client, .get, "/metrics", token: nil)
            #expect(metrics.text.contains("unlearn_deletion_requests_completed_total 1"))
            #expect(metrics.text.contains("unlearn_shards_retrained_total 1"))
            #expect(metrics.text.contains("unlearn_retrain_duration_seconds_count 1"))
            #expect(metrics.text.contains("unlearn_predict_duration_seconds_count"))
        }
    }

    /// The receipt route serves the signed receipt byte for byte: it verifies offline, names the
    /// caller's external id, and a request that is not completed is a 409.
    @Test func receiptsAreServedSignedAndVerifyOffline() async throws {
        let root = try ServerFixtures.createStore()
        let tokens = try ServerFixtures.tokens(root)
        let app = try await buildApplication(Self.options(root))
        try await app.test(.router) { client in
            let posted = try await Self.call(
                client, .post, "/v1/deletions", token: tokens[.intake], json: ["record_ids": ["person-3"], "external_id": "fides-77"])
            let id = try #require(posted.json?["deletion_id"]?.int)
            let early = try await Self.call(client, .get, "/v1/deletions/\(id)/receipt", template: "/v1/deletions/{id}/receipt", token: tokens[.audit])
            #expect(early.status == 409)
            #expect(try await Self.call(client, .post, "/v1/retrain", token: tokens[.operator]).status == 200)
            let reply = try await Self.call(client, .get, "/v1/deletions/\(id)/receipt", template: "/v1/deletions/{id}/receipt", token: tokens[.intake])
            #expect(reply.status == 200)
            let store = try Store.open(root, readOnly: true)
            let contents = try SignedReceipt.verify(reply.text, publicKey: SignedReceipt.publicKey(fromText: try store.receiptPublicKey()))
            #expect(contents.deletionID == Int64(id))
            #expect(contents.externalID == "fides-77")
            #expect(!reply.text.contains("person-3"))
            let wrongRole = try await Self.call(client, .get, "/v1/deletions/\(id)/receipt", template: "/v1/deletions/{id}/receipt", token: tokens[.predict])
            #expect(wrongRole.status == 403)
        }
    }

    /// A version published by another process (a CLI or cron retrain) counts as `completed` only
    /// once this service predicts with it: until then the request is `in_progress`, in the list too.
    @Test func completedWaitsUntilTheServicePredictsWithTheVersion() async throws {
        let root = try ServerFixtures.createStore()
        let tokens = try ServerFixtures.tokens(root)
        var options = Self.options(root)
        options.pollInterval = 3600  // the watcher loads once at start, then not again in this test
        let app = try await buildApplication(options)
        try await app.test(.router) { client in
            let posted = try await Self.call(client, .post, "/v1/deletions", token: tokens[.intake], json: ["record_ids": ["person-4"]])
            let id = try #require(posted.json?["deletion_id"]?.int)
            let served = try #require(try await Self.call(client, .get, "/readyz", token: nil).json?["model_version"]?.int)
            func listed(_ status: String) async throws -> [Int]? {
                try await Self.call(client, .get, "/v1/deletions?status=\(status)", token: tokens[.audit])
                    .json?["deletions"]?.array?.compactMap { $0["deletion_id"]?.int }
            }
            func status() async throws -> String? {
                try await Self.call(client, .get, "/v1/deletions/\(id)", template: "/v1/deletions/{id}", token: tokens[.intake]).json?["status"]?.string
            }

            // A CLI retrain publishes and purges behind the service's back.
            let cli = try Store.open(root, logger: ServerFixtures.quietLogger)
            #expect(try cli.retrain(showProgress: false).status == .completed)
            #expect(try cli.ledger.request(id: Int64(id))?.status == .completed)
            #expect(try cli.ledger.oldestUnpurgedVersion() == nil, "purged: only the served model still holds the record")
            let stale = try await Self.call(client, .post, "/v1/predict", token: tokens[.predict], json: ["rows": [ServerFixtures.adultRow(4)]])
            #expect(stale.json?["model_version"]?.int == served)
            #expect(try await status() == "in_progress")
            #expect(try await listed("in_progress") == [id])
            #expect(try await listed("completed") == [])

            // The service's own retrain loads the newest version: now the first request is completed.
            _ = try await Self.call(client, .post, "/v1/deletions", token: tokens[.intake], json: ["record_ids": ["person-9"]])
            #expect(try await Self.call(client, .post, "/v1/retrain", token: tokens[.operator]).json?["status"]?.string == "completed")
            let fresh = try await Self.call(client, .post, "/v1/predict", token: tokens[.predict], json: ["rows": [ServerFixtures.adultRow(4)]])
            #expect(fresh.json?["model_version"]?.int == served + 2)
            #expect(try await status() == "completed")
            #expect(try await listed("in_progress") == [])
            #expect(try await listed("completed")?.contains(id) == true)
        }
    }

    @Test func servedSpecIsTheRepositoryFile() async throws {
        let file = try Data(contentsOf: ServerFixtures.repository.appendingPathComponent("Sources/UnlearnServer/openapi.json"))
        #expect(OpenAPISpec.data == file, "run ops/serve/embed-openapi.sh after editing openapi.json")
        let spec = try TestJSON.parse(file)
        #expect(spec["openapi"]?.string == "3.1.0")
        // Every registered route is described, and every described route is registered.
        let described = Set(spec["paths"]?.object?.flatMap { path, item in (item.object ?? [:]).keys.map { "\($0.uppercased()) \(path)" } } ?? [])
        let registered = Set(ServiceRoutes.all.map { "\($0.method.rawValue) \(Self.template($0.path))" })
        #expect(described == registered)
    }
}
