import Foundation
import Testing
import UnlearnCore
import UnlearnData
import UnlearnStore

/// Issue 11 through the real binary: files people have, columns by name, what init understood,
/// the messages, and one exit code per row of the README's table.
struct ImportCLITests {
    static let adultHeader = ["age", "workclass", "fnlwgt", "education", "education-num", "marital-status", "occupation",
                              "relationship", "race", "sex", "capital-gain", "capital-loss", "hours-per-week", "native-country", "income"]

    /// Runs a bash line (stdin redirection, process substitution), with the binary as $U.
    static func bash(_ line: String) throws -> CLI.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", line]
        var environment = ProcessInfo.processInfo.environment
        environment["U"] = CLI.binary
        environment["OPENBLAS_NUM_THREADS"] = "1"
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLI.Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                          stderr: String(decoding: stderr, as: UTF8.self), killed: false)
    }

    /// The decoded rows of every slice, and the store's encoders and classes: what must not depend
    /// on how the same data reached the importer (row files themselves hold store-specific keys).
    static func content(_ path: String) throws -> (rows: [SliceData], encoders: [ColumnEncoder], classes: [String]) {
        let store = try Store.open(path)
        var rows: [SliceData] = []
        for shard in try store.liveVersion().manifest.shards {
            for file in shard.rows {
                rows.append(try RowsFile.decode(AtomicFile.read(store.layout.path(file.path)), path: file.path).1.data)
            }
        }
        return (rows, store.config.schema.encoders, store.config.schema.classes)
    }

    @Test func csvGzipStdinProcessSubstitutionAndTabsGiveIdenticalStores() throws {
        let directory = try Fixtures.temporaryDirectory()
        let csv = try Fixtures.adultCSV(rows: 400, in: directory)
        let text = try String(contentsOf: csv, encoding: .utf8)
        let tsv = directory + "/train.tsv"
        try text.replacingOccurrences(of: ", ", with: "\t").replacingOccurrences(of: "\n", with: "\r\n").write(toFile: tsv, atomically: true, encoding: .utf8)
        #expect(try Self.bash("gzip -c '\(csv.path)' > '\(directory)/train.csv.gz'").status == 0)
        let common = "--format csv --id 0 --subject 1 --shards 2 --slices 2 --model mlp:8 --epochs 2 --seed 3"
        let runs = [
            "csv": "$U init --store \(directory)/csv --data '\(csv.path)' \(common)",
            "gzip": "$U init --store \(directory)/gzip --data '\(directory)/train.csv.gz' \(common)",
            "stdin": "$U init --store \(directory)/stdin --data - \(common) < '\(csv.path)'",
            "pipe": "$U init --store \(directory)/pipe --data <(cat '\(csv.path)') \(common)",
            "tab": "$U init --store \(directory)/tab --data '\(tsv)' \(common) --delimiter '\\t'",
            "tab-detected": "$U init --store \(directory)/tab-detected --data '\(tsv)' \(common)",
        ]
        for (name, line) in runs {
            let result = try Self.bash(line)
            #expect(result.status == 0, "\(name): \(result.stderr)")
        }
        #expect(try Self.bash(runs["tab-detected"]!.replacingOccurrences(of: "/tab-detected", with: "/again")).stdout
            .contains("read as: delimiter tab (detected; set it with --delimiter), no header (columns by position)"))
        let reference = try Self.content(directory + "/csv")
        #expect(reference.rows.count == 4 && reference.classes == ["<=50K", ">50K"])
        for name in runs.keys where name != "csv" {
            let other = try Self.content(directory + "/" + name)
            #expect(other.rows == reference.rows, "\(name)")
            #expect(other.encoders == reference.encoders, "\(name)")
            #expect(other.classes == reference.classes, "\(name)")
        }
        // Trained from any of them, the models are the same.
        for name in ["csv", "stdin"] { #expect(try CLI.run(["train", "--store", directory + "/" + name]).status == 0) }
        let a = try Store.open(directory + "/csv"), b = try Store.open(directory + "/stdin")
        let ma = try a.liveVersion().manifest, mb = try b.liveVersion().manifest
        for shard in 0..<2 {
            let sa = try CheckpointFile.decode(AtomicFile.read(a.layout.path(ma.shards[shard].checkpoints[1].path)), path: "a").1
            let sb = try CheckpointFile.decode(AtomicFile.read(b.layout.path(mb.shards[shard].checkpoints[1].path)), path: "b").1
            #expect(sa == sb)
        }
    }

    @Test func adultWithShuffledColumnsPredictsTheSame() throws {
        let directory = try Fixtures.temporaryDirectory()
        let train = directory + "/train.csv", test = directory + "/test.csv", shuffled = directory + "/shuffled.csv"
        try ([Self.adultHeader.joined(separator: ",")] + Fixtures.adultLines.prefix(1200)).joined(separator: "\n").write(toFile: train, atomically: true, encoding: .utf8)
        let testLines = Array(Fixtures.adultTestLines.prefix(300))
        try ([Self.adultHeader.joined(separator: ",")] + testLines).joined(separator: "\n").write(toFile: test, atomically: true, encoding: .utf8)
        var order = Array(Self.adultHeader.indices)
        var generator = SplitMix64(seed: 11)
        order.shuffle(using: &generator)
        let reordered = testLines.map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return order.map { fields[$0] }.joined(separator: ",") + ",note"
        }
        try ([(order.map { Self.adultHeader[$0] } + ["comment"]).joined(separator: ",")] + reordered).joined(separator: "\n")
            .write(toFile: shuffled, atomically: true, encoding: .utf8)
        let store = directory + "/store"
        let created = try CLI.run(["init", "--store", store, "--data", train, "--format", "csv", "--label", "income",
                                   "--shards", "3", "--slices", "2", "--model", "mlp:8", "--epochs", "2"])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("income          label    categorical           2"))
        #expect(try CLI.run(["train", "--store", store]).status == 0)
        let original = try CLI.run(["predict", "--store", store, "--data", test])
        let moved = try CLI.run(["predict", "--store", store, "--data", shuffled])
        #expect(original.status == 0 && moved.status == 0, "\(moved.stderr)")
        #expect(original.stdout == moved.stdout)
        #expect(original.stdout.split(separator: "\n").count == 301)
        #expect(moved.stderr == "note: \(shuffled): ignored 1 column(s) the model does not use: 'comment'\n")
        let evalA = try CLI.run(["eval", "--store", store, "--data", test, "--json"])
        let evalB = try CLI.run(["eval", "--store", store, "--data", shuffled, "--json"])
        let accuracy = { (r: CLI.Result) in (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any])["accuracy"] as? Double }
        #expect(try accuracy(evalA) != nil && accuracy(evalA) == accuracy(evalB))
        // A missing column is named.
        let cut = directory + "/cut.csv"
        try (["age,workclass,income"] + ["39,State-gov,<=50K"]).joined(separator: "\n").write(toFile: cut, atomically: true, encoding: .utf8)
        let missing = try CLI.run(["predict", "--store", store, "--data", cut])
        #expect(missing.status == 65)
        #expect(missing.stderr.contains("12 column(s) the model was trained on are missing: 'fnlwgt', 'education',"))
        // The schema is shown again.
        let schema = try CLI.run(["status", "--store", store, "--schema"])
        #expect(schema.stdout.hasPrefix("read as: delimiter comma (detected; set it with --delimiter), header row"))
        // Categories with at least 10 records (the default --min-category-count), one "other"
        // input more; missing counts are per-record facts and are not kept.
        #expect(schema.stdout.contains("workclass       feature  categorical           6        -         7"))
    }

    @Test func initHasDefaultsAndMessagesSayWhatHappened() throws {
        let directory = try Fixtures.temporaryDirectory()
        let train = try Fixtures.adultCSV(rows: 300, in: directory)
        let store = directory + "/store"
        let created = try CLI.run(["init", "--store", store, "--data", train.path, "--format", "csv", "--id", "0", "--subject", "1"])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.hasPrefix("created store '\(store)': 300 records, 51 features, 2 classes, 10 shards × 5 slices (uniform placement)\n"))
        #expect(created.stdout.contains("0       id       text                  -        -         0"))
        // --min-category-count 0: the older encoding, every value seen and the missing shares.
        let full = try CLI.run(["init", "--store", directory + "/full", "--data", train.path, "--format", "csv", "--id", "0", "--subject", "1", "--min-category-count", "0"])
        #expect(full.stdout.hasPrefix("created store '\(directory)/full': 300 records, 78 features, 2 classes"), "\(full.stderr)")
        #expect(full.stdout.contains("3       feature  categorical           6     5.3%         6"), "\(full.stdout)")
        let status = try CLI.run(["status", "--store", store, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as! [String: Any]
        #expect(object["model"] as? String == "mlp:64" && object["epochs"] as? Int == 10 && object["seed"] as? Int == 1)
        let help = try CLI.run(["init", "--help"])
        let helpText = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(helpText.contains("Default 10: on MNIST the 10-shard ensemble"))
        #expect(helpText.contains("(default: mlp:64)"))
        #expect(try CLI.run(["train", "--store", store]).status == 0)

        // verify on a record never deleted: a failure that says so.
        let verify = try CLI.run(["verify", "--store", store, "--id", "person-4"])
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("[FAIL] retrained after request: no deletion request for this record, so no retrain removed it"))
        #expect(verify.stdout.hasSuffix("NOT verified: the record was never deleted (it is live); request it with 'unlearn delete --id'\n"))

        // A dry run never says "0.9× less work" (nor "1.0× less work", nor "3000× less" for an untrained store).
        let dry = try CLI.run(["delete", "--store", store, "--id", "person-4", "--dry-run"])
        #expect(dry.status == 0)
        #expect(dry.stdout.range(of: #"\(\d+\.\d× less work\)\n$"#, options: .regularExpression) != nil, "\(dry.stdout)")
        let single = directory + "/single"
        #expect(try CLI.run(["init", "--store", single, "--data", train.path, "--format", "csv", "--id", "0", "--subject", "1",
                             "--shards", "1", "--slices", "1", "--model", "mlp:8", "--epochs", "2"]).status == 0)
        #expect(try CLI.run(["delete", "--store", single, "--id", "person-4", "--dry-run"]).stdout
            .hasSuffix(" for a monolithic retrain (no training at all: the store is not trained yet)\n"))
        #expect(try CLI.run(["train", "--store", single]).status == 0)
        #expect(try CLI.run(["delete", "--store", single, "--id", "person-4", "--dry-run"]).stdout
            .hasSuffix(" for a monolithic retrain (about the same work)\n"))

        // A bulk delete prints one summary line; --verbose lists each request.
        let ids = directory + "/ids.txt"
        try (0..<40).map { "person-\($0)" }.joined(separator: "\n").write(toFile: ids, atomically: true, encoding: .utf8)
        let bulk = try CLI.run(["delete", "--store", store, "--ids-from", ids])
        #expect(bulk.status == 0, "\(bulk.stderr)")
        let lines = bulk.stdout.split(separator: "\n")
        #expect(lines.count == 2, "\(bulk.stdout)")
        #expect(lines[0].hasPrefix("40 requests: 40 new, 0 already requested; 40 record(s) in "))
        #expect(lines[0].hasSuffix("(--verbose lists each)"))
        let verbose = try CLI.run(["delete", "--store", store, "--ids-from", ids, "--verbose"])
        #expect(verbose.stdout.split(separator: "\n").count == 82)  // 2 lines per request, the summary, "next:"

        // --exclude-pending says which shards were left out.
        let test = try Fixtures.testCSV(rows: 50, in: directory)
        let eval = try CLI.run(["eval", "--store", store, "--data", test.path, "--exclude-pending"])
        #expect(eval.status == 64, "every shard holds a pending record: \(eval.stdout)\(eval.stderr)")
        #expect(try CLI.run(["retrain", "--store", store]).status == 0)
        #expect(try CLI.run(["delete", "--store", store, "--id", "person-100"]).status == 0)
        let shard = try Store.open(store).record(id: "person-100")!.shard
        let excluded = try CLI.run(["eval", "--store", store, "--data", test.path, "--exclude-pending"])
        #expect(excluded.stdout.hasSuffix("left out shard(s) \(shard) (records awaiting deletion)\n"), "\(excluded.stdout)")

        // JSON nests objects instead of strings holding JSON.
        let audit = try CLI.run(["audit", "--store", store, "--id", "person-100", "--format", "json"])
        #expect(audit.status == 0)
        #expect(!audit.stdout.contains(#"\""#), "\(audit.stdout)")
    }

    @Test func eachExitCodeOfTheTable() throws {
        let directory = try Fixtures.temporaryDirectory()
        let train = try Fixtures.adultCSV(rows: 200, in: directory)
        let store = directory + "/store"
        let small = ["--id", "0", "--subject", "1", "--shards", "2", "--slices", "2", "--model", "mlp:8", "--epochs", "1"]
        #expect(try CLI.run(["init", "--store", store, "--data", train.path, "--format", "csv"] + small).status == 0)
        #expect(try CLI.run(["train", "--store", store]).status == 0)
        func code(_ arguments: [String], environment: [String: String] = [:]) throws -> Int32 {
            try CLI.run(arguments, environment: environment).status
        }
        // 0 success
        #expect(try code(["status", "--store", store]) == 0)
        // 1 verify: the record is not (yet) unlearned
        #expect(try code(["verify", "--store", store, "--id", "person-1"]) == 1)
        // 64 usage: bad --model, bad --delimiter, an unknown flag
        #expect(try code(["init", "--store", directory + "/x", "--data", train.path, "--format", "csv", "--model", "mlp:x"]) == 64)
        #expect(try code(["init", "--store", directory + "/x", "--data", train.path, "--format", "csv", "--delimiter", "ab"]) == 64)
        #expect(try code(["status", "--store", store, "--no-such-flag"]) == 64)
        // 65 bad data or unknown id
        let mixed = directory + "/mixed.csv"
        try "x,label\n1,a\n2,b\noops,a\n4,b\n".write(toFile: mixed, atomically: true, encoding: .utf8)
        #expect(try code(["init", "--store", directory + "/x", "--data", mixed, "--format", "csv"]) == 65)
        #expect(try code(["delete", "--store", store, "--id", "nobody"]) == 65)
        // 66 missing input file or store
        #expect(try code(["init", "--store", directory + "/x", "--data", directory + "/none.csv", "--format", "csv"]) == 66)
        #expect(try code(["status", "--store", directory + "/none"]) == 66)
        // 70 internal error
        #expect(try code(["status", "--store", store], environment: ["UNLEARN_TEST_INTERNAL_ERROR": "1"]) == 70)
        // 74 I/O: the lock file cannot be opened
        let broken = directory + "/broken"
        #expect(try CLI.run(["init", "--store", broken, "--data", train.path, "--format", "csv"] + small).status == 0)
        try FileManager.default.createDirectory(atPath: broken + "/retrain.lock", withIntermediateDirectories: true)
        #expect(try code(["train", "--store", broken]) == 74)
        // 75 busy: another process holds the store lock
        let busy = try Self.bash("flock '\(store)/retrain.lock' \"$U\" retrain --store '\(store)'")
        #expect(busy.status == 75, "\(busy.stderr)")
        // 76 a corrupt store file
        let live = try Store.open(store).liveVersion().manifest
        let path = store + "/" + live.shards[0].checkpoints[1].path
        var bytes = try AtomicFile.read(path)
        bytes[bytes.count / 2] ^= 1
        try AtomicFile.write(bytes, to: path)
        let test = try Fixtures.testCSV(rows: 10, in: directory)
        #expect(try code(["eval", "--store", store, "--data", test.path]) == 76)
    }
}

