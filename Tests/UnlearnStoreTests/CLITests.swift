import Foundation
import Testing
import UnlearnData

/// The README's workflow, run through the real binary on a real Adult subset.
struct CLITests {
    @Test func initTrainEvalPredictDeleteRetrainAuditVerify() throws {
        let directory = try Fixtures.temporaryDirectory()
        let train = try Fixtures.adultCSV(rows: 1500, in: directory)
        let test = try Fixtures.testCSV(rows: 500, in: directory)
        let store = directory + "/store"

        let created = try CLI.run([
            "init", "--store", store, "--data", train.path, "--format", "csv", "--id", "0", "--subject", "1", "--label", "last",
            "--shards", "3", "--slices", "2", "--model", "mlp:16", "--epochs", "3", "--seed", "5", "--header", "no",
        ])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("1500 records"))
        let mode = try FileManager.default.attributesOfItem(atPath: store + "/ledger.sqlite")[.posixPermissions] as? Int
        #expect(mode == 0o600)

        #expect(try CLI.run(["train", "--store", store]).status == 0)
        let eval = try CLI.run(["eval", "--store", store, "--data", test.path, "--json", "--baseline"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(eval.stdout.split(separator: "\n").last!.utf8)) as! [String: Any]
        let accuracy = try #require(json["accuracy"] as? Double)
        #expect(accuracy > 0.75, "Adult accuracy should beat the 76% majority baseline")
        #expect((json["shard_accuracies"] as? [Double])?.count == 3)

        let predict = try CLI.run(["predict", "--store", store, "--data", test.path])
        let lines = predict.stdout.split(separator: "\n")
        #expect(lines.first == "id,label,score_<=50K,score_>50K")
        #expect(lines.count == 501)
        #expect(lines[1].hasPrefix("test-0,"))
        let predictJSON = try CLI.run(["predict", "--store", store, "--data", test.path, "--json"])
        #expect(predictJSON.stdout.split(separator: "\n").count == 500)

        let status = try CLI.run(["status", "--store", store, "--json"])
        let statusObject = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as! [String: Any]
        #expect(statusObject["liveRecords"] as? Int == 1500)

        let deleted = try CLI.run(["delete", "--store", store, "--id", "person-10", "--reason", "erasure", "--requested-by", "dpo"])
        #expect(deleted.status == 0)
        #expect(deleted.stdout.contains("request 1"))
        let unknown = try CLI.run(["delete", "--store", store, "--id", "person-99999"])
        #expect(unknown.status == 65)
        #expect(unknown.stderr.contains("person-99999"))

        let retrain = try CLI.run(["retrain", "--store", store, "--json"])
        #expect(retrain.status == 0, "\(retrain.stderr)")
        #expect(retrain.stdout.contains(#""status":"completed""#))
        let idle = try CLI.run(["retrain", "--store", store])
        #expect(idle.status == 0)
        #expect(idle.stdout.contains("nothing-to-do"))

        let audit = try CLI.run(["audit", "--store", store, "--id", "person-10", "--format", "json"])
        let timeline = try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as! [String: Any]
        #expect(timeline["status"] as? String == "completed")
        #expect(timeline["purged"] as? Bool == true)

        let verify = try CLI.run(["verify", "--store", store, "--id", "person-10", "--replay"])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(verify.stdout.contains("byte for byte"))
        #expect(try CLI.run(["verify", "--store", store, "--id", "person-11"]).status == 1, "a live record is not verified as deleted")
        let chain = try CLI.run(["audit", "verify", "--store", store])
        #expect(chain.status == 0)
        #expect(chain.stdout.contains("intact"))
    }

    @Test func badInputGetsAClearErrorAndNoStore() throws {
        let directory = try Fixtures.temporaryDirectory()
        let bad = directory + "/bad.csv"
        try "1, a, x\n2, b\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let result = try CLI.run([
            "init", "--store", directory + "/s", "--data", bad, "--format", "csv", "--shards", "1", "--slices", "1",
            "--model", "softmax", "--epochs", "1", "--seed", "1",
        ])
        #expect(result.status == 65)
        #expect(result.stderr.contains("bad.csv:2"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/s/store.json"))
        let missing = try CLI.run(["status", "--store", directory + "/nowhere"])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("unlearn init"))
    }

    @Test func corruptCheckpointIsNamedWithTheCommandToRun() throws {
        let store = try Fixtures.createStore(rows: 60, shards: 2, slices: 2)
        let live = try store.liveVersion().manifest
        let path = store.layout.path(live.shards[1].checkpoints[1].path)
        var bytes = try AtomicFile.read(path)
        bytes[bytes.count / 2] ^= 0x01
        try AtomicFile.write(bytes, to: path)
        let directory = try Fixtures.temporaryDirectory()
        let test = try Fixtures.testCSV(rows: 20, in: directory)
        let result = try CLI.run(["eval", "--store", store.layout.root, "--data", test.path])
        #expect(result.status == 76)
        #expect(result.stderr.contains(live.shards[1].checkpoints[1].path))
        #expect(result.stderr.contains("unlearn train --store"))
        #expect(result.stderr.contains("--shard 1"))
        // The advice works: rebuilding the shard restores a verifiable store.
        #expect(try CLI.run(["train", "--store", store.layout.root, "--shard", "1"]).status == 0)
        #expect(try CLI.run(["eval", "--store", store.layout.root, "--data", test.path]).status == 0)
    }
}

struct BenchCommandTests {
    /// `unlearn bench --json` measures for real on a small Adult subset and reports every field tools rely on.
    @Test func benchJSONHasTheRequiredFieldsAndPlausibleValues() throws {
        let directory = try Fixtures.temporaryDirectory()
        let train = try Fixtures.adultCSV(rows: 400, in: directory)
        let test = try Fixtures.testCSV(rows: 100, in: directory)
        let result = try CLI.run([
            "bench", "--data", train.path, "--format", "csv", "--header", "no", "--id", "0", "--subject", "1", "--test-data", test.path,
            "--shards", "2", "--slices", "1,2", "--requests", "1,3", "--model", "mlp:8", "--epochs", "10", "--batch", "16", "--trials", "1",
            "--json", "--report", directory + "/report",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("[1/"), "progress is shown")
        let objects = try result.stdout.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        #expect(objects.count == 4)
        for object in objects {
            for key in ["shards", "slices", "requests", "accuracy", "monolithic_accuracy", "unlearn_seconds", "retrain_seconds", "speedup", "predicted_speedup"] {
                #expect(object[key] != nil, "missing \(key)")
            }
            #expect((object["speedup"] as? Double ?? 0) > 0)
            #expect((object["predicted_speedup"] as? Double ?? 0) >= 1, "retraining part of one shard never costs more than a monolithic retrain")
            #expect((object["accuracy"] as? Double ?? 0) > 0.6)
        }
        #expect(Set(objects.map { $0["requests"] as? Int ?? 0 }) == [1, 3])
        let markdown = try String(contentsOfFile: directory + "/report/bench.md", encoding: .utf8)
        #expect(markdown.contains("| 2 | 2 | 3 | uniform |"))
        #expect(FileManager.default.fileExists(atPath: directory + "/report/bench.gp"))
        // Issue 11: a picture always, with or without gnuplot.
        let svg = try String(contentsOfFile: directory + "/report/bench.svg", encoding: .utf8)
        #expect(svg.contains("<svg") && svg.contains("</svg>") && svg.contains("S=2 R=2"))
        #expect(markdown.contains("![accuracy vs S and speed-up vs K](bench.svg)"))
        // Without gnuplot the same panels are drawn directly.
        let direct = try CLI.run([
            "bench", "--data", train.path, "--format", "csv", "--header", "no", "--id", "0", "--subject", "1", "--test-data", test.path,
            "--shards", "1,2", "--slices", "2", "--requests", "1", "--model", "mlp:8", "--epochs", "2", "--trials", "1",
            "--report", directory + "/direct",
        ], environment: ["UNLEARN_GNUPLOT": ""])
        #expect(direct.status == 0, "\(direct.stderr)")
        let drawn = try String(contentsOfFile: directory + "/direct/bench.svg", encoding: .utf8)
        #expect(drawn.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1100\" height=\"440\""))
        #expect(drawn.contains(">R=2</text>") && drawn.contains(">S=2 R=2</text>") && drawn.contains(">monolithic</text>"))
        #expect(drawn.components(separatedBy: "<polyline").count == 4)  // R=2 accuracy; S=1 R=2 and S=2 R=2 speed-ups
    }
}

struct SchedulerPolicyCLITests {
    /// The flags a cron line or systemd unit passes: deferral exits 0, and the run happens once a condition holds.
    @Test func maxWaitAndBeforeDuePoliciesThroughTheCLI() throws {
        let store = try Fixtures.createStore(rows: 60, shards: 2, slices: 2)
        let root = store.layout.root
        #expect(try CLI.run(["delete", "--store", root, "--id", "person-4"]).status == 0)

        let early = try CLI.run(["retrain", "--store", root, "--max-wait", "6h", "--before-due", "72h"])
        #expect(early.status == 0)
        #expect(early.stdout.contains("deferred"))
        #expect(try store.status().pendingRequests == 1)

        let bad = try CLI.run(["retrain", "--store", root, "--max-wait", "soon"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("'soon' is not a duration"))

        // Due in 30 days, so a 31-day margin triggers the run.
        let due = try CLI.run(["retrain", "--store", root, "--max-wait", "6h", "--before-due", "31d"])
        #expect(due.status == 0, "\(due.stderr)")
        #expect(due.stdout.contains("published version"))
        #expect(try store.status().pendingRequests == 0)
    }
}

/// `init` never deletes a ledger or a key: it refuses any directory that holds store files.
struct InitSafetyTests {
    static func initArguments(_ root: String, data: String) -> [String] {
        ["init", "--store", root, "--data", data, "--format", "csv", "--id", "0", "--subject", "1", "--label", "last",
         "--shards", "2", "--slices", "2", "--model", "softmax", "--epochs", "1", "--seed", "1"]
    }

    static func hashes(_ root: String, _ names: [String]) throws -> [String: String] {
        Dictionary(uniqueKeysWithValues: try names.map { ($0, sha256Hex(try AtomicFile.read(root + "/" + $0))) })
    }

    @Test func initOnAnExistingStoreRefusesAndChangesNothing() throws {
        let store = try Fixtures.createStore(rows: 60, shards: 2, slices: 2)
        let root = store.layout.root
        let before = try Self.hashes(root, ["store.json", "store.key", "ledger.sqlite"])
        let directory = try Fixtures.temporaryDirectory()
        let data = try Fixtures.adultCSV(rows: 40, in: directory)
        let result = try CLI.run(Self.initArguments(root, data: data.path))
        #expect(result.status == 64)
        #expect(result.stderr.contains("a store already exists at '\(root)'"))
        #expect(result.stderr.contains("store.json") && result.stderr.contains("ledger.sqlite") && result.stderr.contains("store.key"))
        #expect(try Self.hashes(root, ["store.json", "store.key", "ledger.sqlite"]) == before)
    }

    @Test func aHalfCreatedStoreIsNamedAndLeftForAPersonToRemove() throws {
        let directory = try Fixtures.temporaryDirectory()
        let data = try Fixtures.adultCSV(rows: 60, in: directory)
        let root = directory + "/store"
        // Kill init at its third durable write: the key and the first row files exist, store.json does not.
        let killed = try CLI.run(Self.initArguments(root, data: data.path), environment: ["UNLEARN_CRASH_AT": "mid-write#3"])
        #expect(killed.killed)
        #expect(!FileManager.default.fileExists(atPath: root + "/store.json"))
        let present = try FileManager.default.contentsOfDirectory(atPath: root)
        #expect(present.contains("store.key") && present.contains("ledger.sqlite"))
        let before = try Self.hashes(root, ["store.key", "ledger.sqlite"])

        let again = try CLI.run(Self.initArguments(root, data: data.path))
        #expect(again.status == 64)
        #expect(again.stderr.contains("holds store files but no store.json"))
        #expect(again.stderr.contains("ledger.sqlite") && again.stderr.contains("store.key"))
        #expect(again.stderr.contains("rm -r -- '\(root)'"))
        #expect(try Self.hashes(root, ["store.key", "ledger.sqlite"]) == before, "the key and the ledger are untouched")

        // Following the advice works.
        try FileManager.default.removeItem(atPath: root)
        #expect(try CLI.run(Self.initArguments(root, data: data.path)).status == 0)
    }

    @Test func aLoneLedgerIsAlsoRefused() throws {
        let directory = try Fixtures.temporaryDirectory()
        let data = try Fixtures.adultCSV(rows: 40, in: directory)
        let root = directory + "/store"
        try AtomicFile.makeDirectory(root)
        try AtomicFile.write(Array("not really sqlite".utf8), to: root + "/ledger.sqlite")
        let result = try CLI.run(Self.initArguments(root, data: data.path))
        #expect(result.status == 64)
        #expect(result.stderr.contains("ledger.sqlite"))
        #expect(try AtomicFile.read(root + "/ledger.sqlite") == Array("not really sqlite".utf8))
    }
}
