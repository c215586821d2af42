import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import UnlearnServer
import UnlearnStore

/// The real binary on a loopback port: tokens from the CLI, deletions over HTTP, the scheduler's
/// retrain, the status timeline, `verify --replay`, metrics, SIGKILL mid-retrain, SIGTERM.
@Suite(.serialized) struct ServeEndToEndTests {
    static func token(_ root: String, _ role: String) throws -> String {
        let result = try runCLI(["token", "create", "--store", root, "--role", role, "--name", "e2e-\(role)"])
        #expect(result.status == 0, "\(result.stderr)")
        let token = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("ulk_"))
        return token
    }

    @Test func scheduledRetrainVerifyMetricsAndSIGTERM() async throws {
        let root = try ServerFixtures.createStore()
        let intake = try Self.token(root, "intake"), audit = try Self.token(root, "audit")
        let list = try runCLI(["token", "list", "--store", root])
        #expect(list.stdout.contains("e2e-intake") && !list.stdout.contains(intake))

        let server = try ServeProcess(store: root, arguments: ["--batch-window", "0.1s"], log: root + "/../serve.log")
        let created = try await server.request("POST", "/v1/deletions", token: intake,
                                               json: ["record_ids": ["person-3", "person-4"], "reason": "Art. 17", "requested_by": "e2e"])
        #expect(created.status == 202, "\(created.text)")
        let ids = created.json?["deletion_ids"]?.array?.compactMap(\.int) ?? []
        #expect(ids.count == 2)
        for id in ids {
            let done = try await server.waitFor(deletion: id, token: intake) { $0 == "completed" }
            let timeline = done?["timeline"]?.array?.compactMap { $0["kind"]?.string } ?? []
            #expect(timeline.first == "request.received" && timeline.contains("request.completed"), "\(timeline)")
            #expect(done?["model_version"]?.int != nil)
        }
        let verify = try runCLI(["verify", "--store", root, "--id", "person-3", "--replay"])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        let metrics = try await server.request("GET", "/metrics", token: nil)
        #expect(metrics.text.contains("unlearn_deletion_requests_received_total 2"))
        #expect(metrics.text.contains("unlearn_deletion_requests_completed_total 2"))
        #expect(metrics.text.contains("unlearn_retrains_total 1") || metrics.text.contains("unlearn_retrains_total 2"))
        #expect(!metrics.text.contains("person-"))
        let chain = try await server.request("POST", "/v1/audit/verify", token: audit)
        #expect(chain.json?["intact"]?.bool == true)

        // A revoked token stops working within about a second.
        let revoke = try runCLI(["token", "revoke", "--store", root, "e2e-audit"])
        #expect(revoke.status == 0)
        var refused = false
        for _ in 0..<40 where !refused {
            refused = try await server.request("POST", "/v1/audit/verify", token: audit).status == 401
            if !refused { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(refused)

        let stopped = server.stop(signal: SIGTERM)
        #expect(stopped?.status == 0 && stopped?.signalled == false, "\(String(describing: stopped))")
        let log = (try? String(contentsOfFile: root + "/../serve.log", encoding: .utf8)) ?? ""
        #expect(!log.contains("person-3") && !log.contains("person-4"))
    }

    @Test func killedDuringRetrainLosesNothingAndCompletesAfterRestart() async throws {
        let root = try ServerFixtures.createStore()
        let intake = try Self.token(root, "intake")
        // Each trained slice pauses, so the retrain is still running when we kill the server.
        let slow = try ServeProcess(store: root, arguments: ["--batch-window", "0.1s"], environment: ["UNLEARN_PAUSE_AT": "mid-train=1"],
                                    log: root + "/../serve-1.log")
        // One call, six ids: all in the first retrain.
        let reply = try await slow.request("POST", "/v1/deletions", token: intake, json: ["record_ids": (10..<16).map { "person-\($0)" }])
        #expect(reply.status == 202)
        let acknowledged = reply.json?["deletion_ids"]?.array?.compactMap(\.int) ?? []
        #expect(acknowledged.count == 6)
        let running = try await slow.waitFor(deletion: acknowledged[0], token: intake, timeout: 60) { $0 == "in_progress" }
        #expect(running != nil, "the retrain never started")
        let killed = slow.stop(signal: SIGKILL)
        #expect(killed?.signalled == true)

        let server = try ServeProcess(store: root, arguments: ["--batch-window", "0.1s"], log: root + "/../serve-2.log")
        for id in acknowledged {
            let done = try await server.waitFor(deletion: id, token: intake) { $0 == "completed" }
            #expect(done != nil, "request \(id) did not complete after the restart")
        }
        let timeline = try await server.request("GET", "/v1/deletions/\(acknowledged[0])", token: intake)
        let jobs = timeline.json?["timeline"]?.array?.compactMap { $0["kind"]?.string } ?? []
        #expect(jobs.contains("request.completed"))
        let verify = try runCLI(["verify", "--store", root, "--id", "person-10", "--replay"])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        let stopped = server.stop(signal: SIGTERM)
        #expect(stopped?.status == 0)

        // SIGTERM during a retrain: the retrain publishes first, then the process exits 0.
        let third = try ServeProcess(store: root, arguments: ["--batch-window", "0.1s"], environment: ["UNLEARN_PAUSE_AT": "mid-train=1"],
                                     log: root + "/../serve-3.log")
        let late = try await third.request("POST", "/v1/deletions", token: intake, json: ["record_ids": ["person-20"]])
        let lateID = try #require(late.json?["deletion_id"]?.int)
        #expect(try await third.waitFor(deletion: lateID, token: intake, timeout: 60) { $0 == "in_progress" } != nil)
        let graceful = third.stop(signal: SIGTERM, timeout: 120)
        #expect(graceful?.status == 0 && graceful?.signalled == false)
        let request = try Store.open(root, logger: ServerFixtures.quietLogger).ledger.request(id: Int64(lateID))
        #expect(request?.status == .completed)
    }

    @Test func cliRetrainAndServiceShareTheLockAndTheModelFollows() async throws {
        let root = try ServerFixtures.createStore()
        let intake = try Self.token(root, "intake"), operatorToken = try Self.token(root, "operator")
        // The scheduler waits for two pending requests, so the first one is the CLI's to retrain.
        let server = try ServeProcess(store: root, arguments: ["--batch-window", "0.1s", "--if-pending", "2"], log: root + "/../serve-lock.log")
        let first = try await server.request("POST", "/v1/deletions", token: intake, json: ["record_ids": ["person-30"]])
        let firstID = try #require(first.json?["deletion_id"]?.int)
        let before = try #require(try await server.request("GET", "/readyz", token: nil).json?["model_version"]?.int)

        // A CLI retrain holds the store lock (paused mid-train) while two more requests make the
        // scheduler want to run: it finds the lock held and defers.
        let cli = Process()
        cli.executableURL = URL(fileURLWithPath: ServeProcess.binary)
        cli.arguments = ["retrain", "--store", root]
        cli.environment = ProcessInfo.processInfo.environment.merging(["UNLEARN_PAUSE_AT": "mid-train=2", "OPENBLAS_NUM_THREADS": "1"]) { $1 }
        cli.standardOutput = FileHandle.nullDevice
        try cli.run()
        _ = try await server.waitFor(deletion: firstID, token: intake, timeout: 30) { $0 == "in_progress" }
        var later: [Int] = []
        for n in [31, 32] {
            let reply = try await server.request("POST", "/v1/deletions", token: intake, json: ["record_ids": ["person-\(n)"]])
            later.append(try #require(reply.json?["deletion_id"]?.int))
        }
        var deferred = false
        for _ in 0..<100 where !deferred {
            let status = try await server.request("GET", "/v1/status", token: operatorToken)
            deferred = status.json?["scheduler"]?["last_result"]?.string == "busy"
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(deferred, "the scheduler never found the CLI's lock")
        cli.waitUntilExit()
        #expect(cli.terminationStatus == 0)

        // The CLI's version reaches the service's model, and the scheduler then completes the rest.
        var moved = false
        for _ in 0..<100 where !moved {
            moved = (try await server.request("GET", "/readyz", token: nil).json?["model_version"]?.int ?? 0) > before
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(moved)
        for id in [firstID] + later {
            #expect(try await server.waitFor(deletion: id, token: intake, timeout: 60) { $0 == "completed" } != nil)
        }
        #expect(server.stop(signal: SIGTERM)?.status == 0)
    }

    /// The server dies between publish and purge (a crash point), then again while fides is down:
    /// the callback still arrives, once, after the last restart, and only when the store verifies.
    @Test func fidesCallbackSurvivesKillsBetweenPublishAndDelivery() async throws {
        let root = try ServerFixtures.createStore()
        let intake = try Self.token(root, "intake")
        let checker = try Store.open(root, logger: ServerFixtures.quietLogger)
        let path = "/api/v1/request-task/e2e-task/callback"
        let receiver = CallbackReceiver { _ in (try? checker.verify(id: "person-40", replay: true))?.passed ?? false }
        try await receiver.application.test(.live) { fides in
            let arguments = ["--batch-window", "0.1s", "--fides-url", "http://127.0.0.1:\(fides.port!)"]
            // 1. The retrain publishes, waits 3 s (longer than the sender's idle sleep, so an
            //    unheld callback would go out) and is killed before it purges.
            let first = try ServeProcess(store: root, arguments: arguments,
                                         environment: ["UNLEARN_PAUSE_AT": "after-publish=3", "UNLEARN_CRASH_AT": "after-publish"],
                                         log: root + "/../serve-cb-1.log")
            let reply = try await first.request("POST", "/v1/deletions", token: intake, json: ["record_ids": ["person-40"]],
                                                headers: ["reply-to": path, "reply-to-token": "tok-e2e-secret"])
            #expect(reply.status == 202, "\(reply.text)")
            let id = try #require(reply.json?["deletion_id"]?.int)
            let deadline = Date().addingTimeInterval(120)
            while first.process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
            #expect(first.stop(signal: SIGKILL)?.signalled == true, "the crash point was not reached")
            let published = try #require(try checker.ledger.request(id: Int64(id)))
            #expect(published.status == .completed)
            #expect(try !checker.ledger.isPurged(throughVersion: published.modelVersion ?? 0))
            #expect(receiver.hits(path).isEmpty, "no callback before the purge")

            // 2. Restarted, recovery purges and the callback goes out, but fides is down; killed again.
            receiver.script(path, [503])
            let second = try ServeProcess(store: root, arguments: arguments, log: root + "/../serve-cb-2.log")
            #expect(await receiver.wait(timeout: 60) { $0.hits(path).count >= 1 })
            #expect(second.stop(signal: SIGKILL)?.signalled == true)

            // 3. fides is back: the restarted server delivers it.
            receiver.script(path, [200])
            let third = try ServeProcess(store: root, arguments: arguments, log: root + "/../serve-cb-3.log")
            #expect(await receiver.wait(timeout: 60) { $0.hits(path).contains { $0.answered == 200 } })
            let hits = receiver.hits(path)
            #expect(hits.filter { $0.answered == 200 }.count == 1)
            for hit in hits {
                #expect(hit.authorization == "Bearer tok-e2e-secret")
                #expect((try? JSONSerialization.jsonObject(with: Data(hit.body.utf8))) as? [String: Int] == ["rows_masked": 1], "\(hit.body)")
                #expect(hit.check == true, "the store verifies by replay whenever the callback arrives")
            }
            let done = try await third.waitFor(deletion: id, token: intake, timeout: 10) { $0 == "completed" }
            #expect(done != nil)
            #expect(third.stop(signal: SIGTERM)?.status == 0)
        }
        #expect(try checker.ledger.callbacks().allSatisfy { $0.deliveredAt != nil })
        for log in ["serve-cb-1", "serve-cb-2", "serve-cb-3"] {
            let text = (try? String(contentsOfFile: root + "/../\(log).log", encoding: .utf8)) ?? ""
            #expect(!text.contains("tok-e2e-secret") && !text.contains("person-40"), "\(log)")
        }
    }

    @Test func callbackRetryFlagsTakeEffectAndBadValuesAreRefused() async throws {
        let root = try ServerFixtures.createStore()
        for (flag, value) in [("--callback-timeout", "0s"), ("--callback-give-up", "soon"), ("--callback-concurrency", "0")] {
            let refused = try runCLI(["serve", "--store", root, "--port", "0", flag, value])
            #expect(refused.status == 64 && refused.stderr.contains(flag), "\(flag) \(value): \(refused.stderr)")
        }
        // Nothing listens on port 1: every delivery fails at once. With the default policy the row
        // would be retried for three days; here it is given up after about two seconds.
        let intake = try Self.token(root, "intake"), operatorToken = try Self.token(root, "operator")
        let server = try ServeProcess(store: root, arguments: ["--no-scheduler", "--callback-give-up", "2s", "--callback-max-delay", "0.5s"],
                                      log: root + "/../serve-flags.log")
        let created = try await server.request("POST", "/v1/deletions", token: intake,
                                               json: ["record_ids": ["person-6"], "status_callback_urls": ["http://127.0.0.1:1/hook"]])
        #expect(created.status == 202, "\(created.text)")
        var givenUp: Int?
        for _ in 0..<100 where givenUp != 1 {
            try await Task.sleep(for: .milliseconds(100))
            givenUp = try await server.request("GET", "/v1/status", token: operatorToken).json?["callbacks"]?["given_up"]?.int
        }
        #expect(givenUp == 1)
        #expect(server.stop(signal: SIGTERM)?.status == 0)
    }

    /// The intake writer runs above the handlers when the process may raise it (root, as in CI),
    /// and otherwise says so in the log; no other thread takes its value, and bad values are refused.
    @Test func intakeWriterRunsAtItsNiceValueOrTheLogSaysWhy() async throws {
        let root = try ServerFixtures.createStore()
        for value in ["1", "-21"] {
            let refused = try runCLI(["serve", "--store", root, "--port", "0", "--intake-nice=\(value)"])
            #expect(refused.status == 64 && refused.stderr.contains("--intake-nice"), "\(value): \(refused.stderr)")
        }
        let log = root + "/../serve-nice.log"
        let server = try ServeProcess(store: root, arguments: ["--no-scheduler", "--intake-nice=-7"], log: log)
        func niceByThread() -> [(name: String, nice: Int)] {
            let tasks = "/proc/\(server.process.processIdentifier)/task"
            return ((try? FileManager.default.contentsOfDirectory(atPath: tasks)) ?? []).compactMap { tid in
                guard let name = try? String(contentsOfFile: "\(tasks)/\(tid)/comm", encoding: .utf8),
                      let stat = try? String(contentsOfFile: "\(tasks)/\(tid)/stat", encoding: .utf8),
                      let close = stat.range(of: ") ", options: .backwards) else { return nil }
                // Fields after the name: state is field 3, nice field 19.
                let fields = stat[close.upperBound...].split(separator: " ")
                return (name.trimmingCharacters(in: .newlines), Int(fields[16]) ?? 99)
            }
        }
        // Whether this process may raise a thread to -7 (root, CAP_SYS_NICE or RLIMIT_NICE).
        let privileged = try BackgroundWork.wait { Thread.setCurrentNice(-7) }
        var writer: [Int] = []
        for _ in 0..<50 {
            writer = niceByThread().filter { $0.name == "unlearn-intake" }.map(\.nice)
            if writer == [privileged ? -7 : 0] { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(writer == [privileged ? -7 : 0])
        // Dispatch gives its own workers nice values by quality of service (-4…2 seen); none is -7.
        #expect(niceByThread().filter { $0.name != "unlearn-intake" && $0.nice == -7 }.isEmpty)
        #expect(server.stop(signal: SIGTERM)?.status == 0)
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(text.contains("intake writer keeps the process's priority") == !privileged)
    }
}
