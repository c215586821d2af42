import Foundation
import Testing
import UnlearnData
import UnlearnStore

/// A full disk, for real: a small tmpfs filled to the last byte. Reads keep working, writes fail
/// with exit 74 and a message that says so, the last version stays live, and the work completes
/// once space is freed. Skipped (with the reason) where a tmpfs cannot be mounted.
@Suite(.serialized)
struct DiskFullTests {
    /// A mounted tmpfs of `megabytes`, unmounted by `unmount()`.
    final class SmallDisk {
        let path: String
        init?(megabytes: Int) throws {
            path = try Fixtures.temporaryDirectory()
            let mount = Process()
            mount.executableURL = URL(fileURLWithPath: "/bin/mount")
            mount.arguments = ["-t", "tmpfs", "-o", "size=\(megabytes)m,mode=0700", "tmpfs", path]
            mount.standardError = FileHandle.nullDevice
            guard (try? mount.run()) != nil else { return nil }
            mount.waitUntilExit()
            guard mount.terminationStatus == 0 else { return nil }
        }

        /// Writes zeros until the file system refuses.
        func fill() {
            let fd = open(path + "/filler", O_WRONLY | O_CREAT | O_APPEND, 0o600)
            defer { Glibc.close(fd) }
            let block = [UInt8](repeating: 0, count: 4096)
            while block.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
            fsync(fd)
        }

        func free() { unlink(path + "/filler") }

        func unmount() {
            let umount = Process()
            umount.executableURL = URL(fileURLWithPath: "/bin/umount")
            umount.arguments = [path]
            try? umount.run()
            umount.waitUntilExit()
        }
    }

    /// A small store on the small disk, with one pending deletion.
    func makeStore(on disk: SmallDisk) throws -> (root: String, test: URL) {
        let data = try Fixtures.adultCSV(rows: 160, in: disk.path)
        let test = try Fixtures.testCSV(rows: 20, in: disk.path)
        let root = disk.path + "/store"
        #expect(try CLI.run(InitSafetyTests.initArguments(root, data: data.path)).status == 0)
        #expect(try CLI.run(["train", "--store", root]).status == 0)
        #expect(try CLI.run(["delete", "--store", root, "--id", "person-5"]).status == 0)
        return (root, test)
    }

    @Test func readsWorkWritesFailClearlyAndTheRetrainCompletesOnceSpaceIsFreed() throws {
        guard let disk = try SmallDisk(megabytes: 8) else {
            print("DiskFullTests: skipped, a tmpfs cannot be mounted here (needs root and mount permission)")
            return
        }
        defer { disk.unmount() }
        let (root, test) = try makeStore(on: disk)
        let before = try Store.open(root).liveVersion().version.version
        disk.fill()

        for arguments in [["status"], ["audit", "--id", "person-5"], ["audit", "verify"], ["eval", "--data", test.path],
                          ["predict", "--data", test.path], ["doctor"]] {
            let result = try CLI.run(arguments + ["--store", root])
            #expect(result.status == 0, "\(arguments) on a full disk: \(result.stderr)")
        }
        for arguments in [["delete", "--id", "person-6"], ["retrain"]] {
            let result = try CLI.run(arguments + ["--store", root])
            #expect(result.status == 74, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("no space left"), "\(result.stderr)")
        }
        disk.free()
        let store = try Store.open(root)
        #expect(try store.liveVersion().version.version == before, "the last version stays live")
        #expect(try store.ledger.pendingRequests().count == 1, "the acknowledged request is kept")
        #expect(try CLI.run(["retrain", "--store", root]).status == 0)
        #expect(try CLI.run(["verify", "--store", root, "--id", "person-5", "--replay"]).status == 0)
    }

    /// The disk fills while a retrain runs: after it wrote new rows, before a checkpoint, and
    /// just before the ledger commit.
    @Test(arguments: ["mid-retrain", "mid-train", "before-publish"])
    func theDiskFillsDuringARetrain(point: String) throws {
        guard let disk = try SmallDisk(megabytes: 8) else {
            print("DiskFullTests: skipped, a tmpfs cannot be mounted here")
            return
        }
        defer { disk.unmount() }
        let (root, _) = try makeStore(on: disk)
        let before = try Store.open(root).liveVersion()

        let retrain = Process()
        retrain.executableURL = URL(fileURLWithPath: CLI.binary)
        retrain.arguments = ["retrain", "--store", root]
        var environment = ProcessInfo.processInfo.environment
        environment["UNLEARN_PAUSE_AT"] = "\(point)=1.5"
        environment["OPENBLAS_NUM_THREADS"] = "1"
        retrain.environment = environment
        let errors = Pipe()
        retrain.standardError = errors
        retrain.standardOutput = FileHandle.nullDevice
        try retrain.run()
        Thread.sleep(forTimeInterval: 0.6)
        disk.fill()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        retrain.waitUntilExit()
        #expect(retrain.terminationStatus == 74, "\(point): \(stderr)")
        #expect(stderr.contains("no space left"), "\(point): \(stderr)")

        disk.free()
        let store = try Store.open(root)
        let live = try store.liveVersion()
        #expect(live.version.version == before.version.version, "\(point): the last version stays live")
        for file in live.manifest.shards.flatMap({ $0.rows + $0.checkpoints }) {
            #expect(sha256Hex(try AtomicFile.read(store.layout.path(file.path))) == file.sha256)
        }
        #expect(try CLI.run(["retrain", "--store", root]).status == 0)
        #expect(try CLI.run(["verify", "--store", root, "--id", "person-5", "--replay"]).status == 0)
        #expect(try CLI.run(["doctor", "--store", root]).status == 0)
    }
}
