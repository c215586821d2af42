import Foundation
import Testing
import UnlearnData

/// IDX and LibSVM stores through the real binary: init → train → eval → delete → retrain → verify.
struct FormatsCLITests {
    static let mnist = Fixtures.repository.deletingLastPathComponent().appendingPathComponent("shared/data/mnist")

    /// The first `count` records of a real MNIST IDX pair, written as new IDX files.
    func mnistSubset(count: Int, images: String, labels: String, in directory: String) throws -> (URL, URL) {
        let imageBytes = try AtomicFile.read(Self.mnist.appendingPathComponent(images).path)
        let labelBytes = try AtomicFile.read(Self.mnist.appendingPathComponent(labels).path)
        func header(_ bytes: [UInt8], length: Int) -> [UInt8] {
            var h = Array(bytes[0..<length])
            h[4] = UInt8(count >> 24 & 255); h[5] = UInt8(count >> 16 & 255); h[6] = UInt8(count >> 8 & 255); h[7] = UInt8(count & 255)
            return h
        }
        let imagesURL = URL(fileURLWithPath: directory + "/" + images), labelsURL = URL(fileURLWithPath: directory + "/" + labels)
        try Data(header(imageBytes, length: 16) + imageBytes[16..<(16 + count * 784)]).write(to: imagesURL)
        try Data(header(labelBytes, length: 8) + labelBytes[8..<(8 + count)]).write(to: labelsURL)
        return (imagesURL, labelsURL)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: FormatsCLITests.mnist.path)))
    func idxStoreLifecycle() throws {
        let directory = try Fixtures.temporaryDirectory()
        let (trainX, trainY) = try mnistSubset(count: 1200, images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte", in: directory)
        let (testX, testY) = try mnistSubset(count: 300, images: "t10k-images-idx3-ubyte", labels: "t10k-labels-idx1-ubyte", in: directory)
        let store = directory + "/store"
        let created = try CLI.run(["init", "--store", store, "--format", "idx", "--data", trainX.path, "--labels", trainY.path,
                                   "--shards", "2", "--slices", "3", "--model", "mlp:32", "--epochs", "4", "--seed", "3", "--batch", "16"])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("1200 records, 784 features, 10 classes"))
        #expect(try CLI.run(["train", "--store", store]).status == 0)
        let eval = try CLI.run(["eval", "--store", store, "--data", testX.path, "--labels", testY.path, "--format", "idx", "--json"])
        let accuracy = try #require((try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])?["accuracy"] as? Double)
        #expect(accuracy > 0.7, "1,200 MNIST digits should give well over 70%")
        #expect(try CLI.run(["eval", "--store", store, "--data", testX.path, "--labels", testY.path, "--format", "csv"]).status == 64)
        #expect(try CLI.run(["delete", "--store", store, "--id", "row-7"]).status == 0)
        #expect(try CLI.run(["retrain", "--store", store]).status == 0)
        let verify = try CLI.run(["verify", "--store", store, "--id", "row-7", "--replay"])
        #expect(verify.status == 0, "\(verify.stdout)")
    }

    @Test func libsvmStoreLifecycle() throws {
        let directory = try Fixtures.temporaryDirectory()
        // Two noisy classes in 5 sparse dimensions.
        var lines: [String] = []
        for n in 0..<400 {
            let positive = n % 2 == 0
            let a = Double(n % 7) / 7 + (positive ? 1 : -1), b = Double(n % 5) / 5
            lines.append("\(positive ? "+1" : "-1") 1:\(a) 3:\(b) 5:\(positive ? 0.5 : -0.5)")
        }
        try lines.joined(separator: "\n").write(toFile: directory + "/train.svm", atomically: true, encoding: .utf8)
        try lines.prefix(100).joined(separator: "\n").write(toFile: directory + "/test.svm", atomically: true, encoding: .utf8)
        let store = directory + "/store"
        let created = try CLI.run(["init", "--store", store, "--format", "libsvm", "--data", directory + "/train.svm",
                                   "--shards", "2", "--slices", "2", "--model", "softmax", "--epochs", "5", "--seed", "1", "--batch", "16"])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(try CLI.run(["train", "--store", store]).status == 0)
        let eval = try CLI.run(["eval", "--store", store, "--data", directory + "/test.svm", "--json"])
        let accuracy = try #require((try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])?["accuracy"] as? Double)
        #expect(accuracy > 0.9)
        #expect(try CLI.run(["delete", "--store", store, "--id", "row-0"]).status == 0)
        #expect(try CLI.run(["retrain", "--store", store]).status == 0)
        #expect(try CLI.run(["verify", "--store", store, "--id", "row-0", "--replay"]).status == 0)
    }

    @Test func auditFiltersParseDatesAndStatuses() throws {
        let store = try Fixtures.createStore(rows: 60, shards: 2, slices: 2)
        let root = store.layout.root
        #expect(try CLI.run(["delete", "--store", root, "--id", "person-1"]).status == 0)
        #expect(try CLI.run(["delete", "--store", root, "--id", "person-2"]).status == 0)
        #expect(try CLI.run(["retrain", "--store", root, "--shard", "\(try store.record(id: "person-1")!.shard)"]).status == 0)
        func count(_ arguments: [String]) throws -> Int {
            let result = try CLI.run(["audit", "--store", root, "--format", "json"] + arguments)
            #expect(result.status == 0, "\(result.stderr)")
            return result.stdout.split(separator: "\n").count
        }
        #expect(try count(["--since", "2000-01-01"]) == 2)
        #expect(try count(["--until", "2000-01-01"]) == 0)
        #expect(try count(["--since", "2100-01-01T00:00:00Z"]) == 0)
        let completed = try count(["--status", "completed"]), pending = try count(["--status", "pending"])
        #expect(completed + pending == 2 && completed >= 1)
        #expect(try count(["--overdue"]) == 0, "nothing is due for 30 days")
        #expect(try count(["--shard", "\(try store.record(id: "person-2")!.shard)"]) >= 1)
        let bad = try CLI.run(["audit", "--store", root, "--since", "yesterday"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("ISO 8601"))
    }
}
