import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Synchronization
import Testing
import UnlearnLedger
import UnlearnServer
import UnlearnStore

/// fides's erasure callback and signed status callbacks, in process: the service under
/// `app.test(.router)` (its scheduler and callback sender run as services) and a real HTTP
/// receiver on a loopback port standing in for fides and for status-callback targets.
@Suite(.serialized) struct CallbackTests {
    static func options(_ root: String, receiverPort: Int) -> ServeOptions {
        var options = RouterTests.options(root, scheduler: true)
        options.fidesURL = "http://127.0.0.1:\(receiverPort)/"
        options.callbackPolicy.initialDelay = 0.1
        options.callbackPolicy.maxIdle = 0.2
        return options
    }

    static func headers(_ pairs: [String: String]) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in pairs { fields[HTTPField.Name(name)!] = value }
        return fields
    }

    @Test func fidesCallbackAfterPublishAndPurgeWithRetryOn400() async throws {
        let root = try ServerFixtures.createStore()
        let tokens = try ServerFixtures.tokens(root)
        let checker = try Store.open(root, logger: ServerFixtures.quietLogger)
        let path = "/api/v1/request-task/task-42/callback"
        // At each arrival: does the store already prove the record gone, by replay?
        let receiver = CallbackReceiver { _ in (try? checker.verify(id: "person-5", replay: true))?.passed ?? false }
        receiver.script(path, [400, 200])  // fides answers 400 while it has not parked the task yet
        let deletionIDBox = Mutex(0)
        try await receiver.application.test(.live) { fides in
            let app = try await buildApplication(Self.options(root, receiverPort: fides.port!))
            try await app.test(.router) { client in
                let reply = try await RouterTests.call(
                    client, .post, "/v1/deletions", token: tokens[.intake], json: ["record_ids": ["person-5"], "external_id": "fides-privacy-request-1"],
                    headers: Self.headers(["reply-to": path, "reply-to-token": "fides-token-123"]))
                #expect(reply.status == 202, "\(reply.text)")
                let deletionID = reply.json?["deletion_id"]?.int ?? 0
                deletionIDBox.withLock { $0 = deletionID }
                #expect(await receiver.wait(timeout: 120) { $0.hits(path).count >= 2 })
                #expect(await receiver.wait(timeout: 10) { _ in (try? checker.ledger.outboxSummary())?.pending == 0 })
                let status = try await RouterTests.call(client, .get, "/v1/deletions/\(deletionID)", template: "/v1/deletions/{id}", token: tokens[.intake])
                #expect(status.json?["status"]?.string == "completed")
                let health = try await RouterTests.call(client, .get, "/v1/status", token: tokens[.operator])
                #expect(health.json?["callbacks"]?["pending"]?.int == 0)
                #expect(health.json?["callbacks"]?["failing"]?.array?.isEmpty == true)
                let metrics = try await RouterTests.call(client, .get, "/metrics", token: nil)
                #expect(metrics.text.contains(#"unlearn_callback_deliveries_total{target="fides",outcome="delivered"} 1"#), "\(metrics.text)")
                #expect(!metrics.text.contains("fides-token-123") && !metrics.text.contains("task-42"))
            }
        }
        let hits = receiver.hits(path)
        #expect(hits.map(\.answered) == [400, 200])
        for hit in hits {
            #expect(hit.authorization == "Bearer fides-token-123")
            let body = try JSONSerialization.jsonObject(with: Data(hit.body.utf8)) as? [String: Int]
            #expect(body == ["rows_masked": 1], "\(hit.body)")
            #expect(hit.check == true, "the store must verify by replay when the callback arrives")
        }
        #expect(hits[1].at.timeIntervalSince(hits[0].at) >= 0.09, "retried with back-off")
        let events = try checker.ledger.events(requestID: Int64(deletionIDBox.withLock { $0 })).map(\.kind)
        #expect(events.contains(.callbackDelivered))
        #expect(events.firstIndex(of: .requestCompleted)! < events.firstIndex(of: .callbackDelivered)!)
        #expect(try checker.ledger.callbacks().allSatisfy { $0.deliveredAt != nil })
    }

    @Test func intakeRefusesBadCallbackHeadersAndURLs() async throws {
        let root = try ServerFixtures.createStore()
        let tokens = try ServerFixtures.tokens(root)
        let app = try await buildApplication(RouterTests.options(root))
        try await app.test(.router) { client in
            // Unusable header combinations are 422 (schema-valid, OpenAPI cannot state the pairing);
            // body fields that break the schema are 400.
            let cases: [([String: String], [String]?, String, Int)] = [
                (["reply-to": "/cb"], nil, "reply-to-token", 422),
                (["reply-to-token": "t"], nil, "reply-to", 422),
                (["reply-to": "https://evil.example/cb", "reply-to-token": "t"], nil, "reply-to", 422),
                (["reply-to": "0", "reply-to-token": "t"], nil, "reply-to", 422),
                ([:], ["ftp://x.example/a"], "status_callback_urls[0]", 400),
                ([:], ["https://ok.example/a", "not a url"], "status_callback_urls[1]", 400),
                ([:], Array(repeating: "https://ok.example/a", count: 6), "status_callback_urls", 400),
            ]
            for (headers, urls, field, expected) in cases {
                var json: [String: Any] = ["record_ids": ["person-1"]]
                if let urls { json["status_callback_urls"] = urls }
                let reply = try await RouterTests.call(client, .post, "/v1/deletions", token: tokens[.intake], json: json, headers: Self.headers(headers))
                #expect(reply.status == expected, "\(headers) \(String(describing: urls))")
                #expect(reply.json?["error"]?["message"]?.string?.hasPrefix(field + ":") == true, "\(reply.text)")
            }
            let status = try await RouterTests.call(client, .get, "/v1/status", token: tokens[.operator])
            #expect(status.json?["pending_requests"]?.int == 0, "a refused call records nothing")
        }
    }

    @Test func statusCallbacksSignedInOrderRetriedFailingAndRetried() async throws {
        let root = try ServerFixtures.createStore()
        let tokens = try ServerFixtures.tokens(root)
        let store = try Store.open(root, logger: ServerFixtures.quietLogger)
        let publicKey = try store.receiptPublicKey()
        let receiver = CallbackReceiver()
        receiver.script("/fail", [500])
        try await receiver.application.test(.live) { target in
            var options = Self.options(root, receiverPort: target.port!)
            options.callbackPolicy.giveUpAfter = 1.5
            let policy = options.callbackPolicy
            let app = try await buildApplication(options)
            try await app.test(.router) { client in
                let good = "http://127.0.0.1:\(target.port!)/ok", bad = "http://localhost:\(target.port!)/fail"
                let reply = try await RouterTests.call(client, .post, "/v1/deletions", token: tokens[.intake],
                                                       json: ["record_ids": ["person-8"], "external_id": "ext-8", "status_callback_urls": [good, bad]])
                #expect(reply.status == 202, "\(reply.text)")
                let id = reply.json?["deletion_id"]?.int ?? 0
                #expect(await receiver.wait(timeout: 120) { $0.hits("/ok").count >= 3 })
                // The failing target is shown (by host) while it fails, then given up.
                #expect(await receiver.wait(timeout: 30) { _ in ((try? store.ledger.outboxSummary())?.givenUp ?? 0) == 3 })
                let status = try await RouterTests.call(client, .get, "/v1/status", token: tokens[.operator])
                let failing = status.json?["callbacks"]?["failing"]?.array ?? []
                #expect(failing.count == 1 && failing.first?["host"]?.string == "localhost", "\(status.text)")
                #expect(failing.first?["last_error"]?.string == "HTTP 500" && failing.first?["given_up"]?.bool == true)
                #expect((failing.first?["attempts"]?.int ?? 0) >= 3)
                let metrics = try await RouterTests.call(client, .get, "/metrics", token: nil)
                #expect(metrics.text.contains(#"unlearn_callback_deliveries_total{target="status",outcome="given_up"} 3"#), "\(metrics.text)")

                // Back-off: the gaps between attempts at the failing row grow as the policy says.
                let attempts = receiver.hits("/fail").filter { $0.body.contains(#""status":"pending""#) }
                #expect(attempts.count >= 3)
                for index in 1..<attempts.count {
                    let gap = attempts[index].at.timeIntervalSince(attempts[index - 1].at)
                    #expect(gap >= policy.delay(afterAttempts: index) - 0.02, "gap \(index): \(gap)")
                }

                // The operator fixes the target and retries: every status arrives, in order.
                receiver.script("/fail", [200])
                let retry = try runCLI(["callbacks", "retry", "--store", root, "--all-failing"])
                #expect(retry.status == 0 && retry.stdout.contains("3 callback(s) due now"), "\(retry.stderr)")
                #expect(await receiver.wait(timeout: 30) { $0.hits("/fail").filter { $0.answered == 200 }.count == 3 })
                #expect(await receiver.wait(timeout: 10) { _ in (try? store.ledger.outboxSummary())?.pending == 0 })
                let listed = try runCLI(["callbacks", "list", "--store", root, "--failing"])
                #expect(listed.status == 0 && listed.stdout.isEmpty, "\(listed.stdout)")

                for path in ["/ok", "/fail"] {
                    let delivered = receiver.hits(path).filter { $0.answered == 200 }
                    let statuses = delivered.compactMap { hit -> String? in
                        #expect(Store.verifyCallbackSignature(hit.signature ?? "", body: hit.body, publicKey: publicKey), "\(path)")
                        #expect(!Store.verifyCallbackSignature(hit.signature ?? "", body: hit.body + " ", publicKey: publicKey))
                        let body = try? JSONSerialization.jsonObject(with: Data(hit.body.utf8)) as? [String: Any]
                        #expect(body?["deletion_id"] as? Int == id && body?["external_id"] as? String == "ext-8" && body?["time"] is String)
                        return body?["status"] as? String
                    }
                    #expect(statuses == ["pending", "in_progress", "completed"], "\(path)")
                    #expect(Set(delivered.compactMap(\.delivery)).count == 3)
                }
                #expect(try store.ledger.events().contains { $0.kind == .callbackRetried })
            }
        }
    }
}
