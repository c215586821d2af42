import Foundation
import Testing
import UnlearnData
@testable import UnlearnStore

/// Damage around the shard files is caught on open or by `doctor`, named, with exit 76.
@Suite(.serialized)
struct IntegrityTests {
    /// Changes one digit of the stored schema (a mean, a count): the JSON stays valid.
    static func alterOneDigit(ofConfigIn root: String) throws {
        let path = root + "/store.json"
        var text = try AtomicFile.read(path)
        let marker = Array("\"schema\"".utf8)
        var index = try #require((0..<(text.count - marker.count)).first { Array(text[$0..<($0 + marker.count)]) == marker })
        while !(UInt8(ascii: "1")...UInt8(ascii: "8")).contains(text[index]) { index += 1 }
        text[index] += 1
        try AtomicFile.write(text, to: path)
        #expect((try? JSONSerialization.jsonObject(with: Data(text))) != nil, "still valid JSON")
    }

    @Test func anAlteredConfigurationIsRefusedByEveryCommand() throws {
        let store = try Fixtures.createStore(rows: 80, shards: 2, slices: 2)
        let root = store.layout.root
        try Self.alterOneDigit(ofConfigIn: root)
        for arguments in [["status"], ["recover"], ["retrain"], ["delete", "--id", "person-1"]] {
            let result = try CLI.run(arguments + ["--store", root])
            #expect(result.status == 76, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("store.json' is damaged"))
            #expect(result.stderr.contains("Restore it from a backup"))
        }
        let doctor = try CLI.run(["doctor", "--store", root])
        #expect(doctor.status == 76)
        #expect(doctor.stdout.contains("[fail] store.json"))
        #expect(doctor.stdout.contains("[ok] store.key"))
    }

    @Test func anAlteredKeyIsRefused() throws {
        let store = try Fixtures.createStore(rows: 80, shards: 2, slices: 2)
        let root = store.layout.root
        var key = try AtomicFile.read(root + "/store.key")
        key[3] ^= 0x10
        try AtomicFile.write(key, to: root + "/store.key")
        let result = try CLI.run(["delete", "--store", root, "--id", "person-1"])
        #expect(result.status == 76)
        #expect(result.stderr.contains("store.key' is damaged"))
        let doctor = try CLI.run(["doctor", "--store", root, "--json"])
        #expect(doctor.status == 76)
        let report = try JSONDecoder().decode(DoctorReport.self, from: Data(doctor.stdout.utf8))
        #expect(report.checks.first { $0.name == "store.key" }?.status == .fail)
        #expect(report.checks.first { $0.name == "store.json" }?.status == .skipped)
    }

    @Test func aHealthyStoreIsHealthyAndEachDamageIsNamed() throws {
        let store = try Fixtures.createStore(rows: 120, shards: 3, slices: 2)
        let root = store.layout.root
        let healthy = try CLI.run(["doctor", "--store", root])
        #expect(healthy.status == 0, "\(healthy.stdout)")
        #expect(!healthy.stdout.contains("[fail]") && !healthy.stdout.contains("[warn]"))

        // An intermediate checkpoint with one flipped bit.
        let live = try store.liveVersion().manifest
        let checkpoint = live.shards[1].checkpoints[0].path
        var bytes = try AtomicFile.read(store.layout.path(checkpoint))
        bytes[bytes.count / 3] ^= 0x01
        try AtomicFile.write(bytes, to: store.layout.path(checkpoint))
        // A leftover file of a newer generation, and a folder opened to others.
        let leftover = store.layout.checkpointFile(shard: 0, slice: 0, generation: 99)
        try AtomicFile.write([1, 2, 3], to: store.layout.path(leftover))
        chmod(store.layout.path("shard-002"), 0o755)

        let report = Store.doctor(root)
        #expect(!report.healthy)
        let byName = Dictionary(uniqueKeysWithValues: report.checks.map { ($0.name, $0) })
        #expect(byName["live files"]?.status == .fail)
        #expect(byName["live files"]?.detail.contains(checkpoint) == true)
        #expect(byName["live files"]?.fix?.contains("--shard K") == true)
        #expect(byName["leftover files"]?.status == .warn)
        #expect(byName["leftover files"]?.detail.contains("newer generation") == true)
        #expect(byName["permissions"]?.status == .fail)
        #expect(byName["permissions"]?.detail.contains("shard-002 755") == true)
        #expect(byName["audit chain"]?.status == .ok)
        #expect(try CLI.run(["doctor", "--store", root]).status == 76)
    }

    @Test func aLostCommitIsReportedNotSilentlyRedone() throws {
        let store = try Fixtures.createStore(rows: 120, shards: 2, slices: 2)
        let root = store.layout.root
        // The ledger as it was before a publish: what SQLite keeps when the WAL holding the
        // publish is damaged after a crash.
        let backup = try Fixtures.temporaryDirectory()
        try CLI.run(["delete", "--store", root, "--id", "person-3"])
        for name in ["ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm"] where FileManager.default.fileExists(atPath: root + "/" + name) {
            try FileManager.default.copyItem(atPath: root + "/" + name, toPath: backup + "/" + name)
        }
        #expect(try CLI.run(["retrain", "--store", root]).status == 0)
        for name in ["ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm"] {
            try? FileManager.default.removeItem(atPath: root + "/" + name)
            if FileManager.default.fileExists(atPath: backup + "/" + name) {
                try FileManager.default.copyItem(atPath: backup + "/" + name, toPath: root + "/" + name)
            }
        }
        let status = try CLI.run(["retrain", "--store", root])
        #expect(status.status == 76)
        #expect(status.stderr.contains("is behind its files"))
        let doctor = try CLI.run(["doctor", "--store", root])
        #expect(doctor.status == 76)
        #expect(doctor.stdout.contains("[fail] ledger head"))
    }

    @Test func aDamagedLedgerIsNamedWithExit76() throws {
        let store = try Fixtures.createStore(rows: 80, shards: 2, slices: 2)
        let root = store.layout.root
        let path = root + "/ledger.sqlite"
        // Truncate the database to half its pages (WAL folded in first, so the damage is real).
        _ = try store.ledger.integrityCheck()
        try store.ledger._executeForTesting(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        let bytes = try AtomicFile.read(path)
        try AtomicFile.write(Array(bytes.prefix(bytes.count / 2)), to: path)
        let result = try CLI.run(["status", "--store", root])
        #expect(result.status == 76, "\(result.stderr)")
        #expect(result.stderr.contains("ledger.sqlite"))
        #expect(!result.stderr.contains("SQLite error 11:"), "no raw SQLite text as the message")
        #expect(try CLI.run(["doctor", "--store", root]).status == 76)
    }

    @Test func aMissingLiveFileStopsTheNextJobBeforeItStarts() throws {
        let store = try Fixtures.createStore(rows: 80, shards: 2, slices: 2)
        let root = store.layout.root
        let live = try store.liveVersion().manifest
        try FileManager.default.removeItem(atPath: store.layout.path(live.shards[0].checkpoints[1].path))
        try CLI.run(["delete", "--store", root, "--id", "person-1"])
        let result = try CLI.run(["retrain", "--store", root])
        #expect(result.status == 76)
        #expect(result.stderr.contains("are missing: \(live.shards[0].checkpoints[1].path)"))
        #expect(try store.ledger.jobs(limit: 5).allSatisfy { $0.kind == .train }, "no job started")
    }

    @Test func initMakesAnExistingFolderOwnerOnly() throws {
        let directory = try Fixtures.temporaryDirectory()
        let root = directory + "/open"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        let data = try Fixtures.adultCSV(rows: 40, in: directory)
        #expect(try CLI.run(InitSafetyTests.initArguments(root, data: data.path)).status == 0)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: root)[.posixPermissions] as? Int)
        #expect(mode == 0o700)
    }

    @Test func aDivergingTrainingPublishesNothingAndSaysWhatToDo() throws {
        let directory = try Fixtures.temporaryDirectory()
        let data = try Fixtures.adultCSV(rows: 120, in: directory)
        let root = directory + "/store"
        var arguments = InitSafetyTests.initArguments(root, data: data.path)
        arguments += ["--optimizer", "sgd", "--lr", "3e38"]
        #expect(try CLI.run(arguments).status == 0)
        let train = try CLI.run(["train", "--store", root])
        #expect(train.status == 65, "\(train.stderr)")
        #expect(train.stderr.contains("diverged in slice"))
        #expect(train.stderr.contains("lower --lr"))
        let store = try Store.open(root)
        #expect(try store.liveVersion().version.kind == .imported, "nothing was published")
        #expect(try store.ledger.jobs(limit: 1).first?.status == .failed)
    }
}
