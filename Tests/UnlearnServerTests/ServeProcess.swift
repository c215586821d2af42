import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The built `unlearn` binary, run as an operator would: `unlearn serve` on a loopback port.
final class ServeProcess: @unchecked Sendable {
    static let binary: String = {
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("unlearn").path,
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("unlearn").path,
            ServerFixtures.repository.appendingPathComponent(".build/debug/unlearn").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
    }()

    let process = Process()
    let port: Int
    private let output = Pipe()
    private let errors: FileHandle

    /// Starts `unlearn serve --store ROOT --port 0 ARGS` and waits for its `listening on` line.
    init(store: String, arguments: [String] = [], environment extra: [String: String] = [:], log: String) throws {
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["serve", "--store", store, "--host", "127.0.0.1", "--port", "0"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = "1"
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        FileManager.default.createFile(atPath: log, contents: nil)
        errors = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Read stdout until the listening line (at most 60 s).
        let reader = output.fileHandleForReading
        let deadline = Date().addingTimeInterval(60)
        var text = ""
        var found: Int?
        while found == nil, Date() < deadline, process.isRunning {
            let chunk = reader.availableData
            if chunk.isEmpty { Thread.sleep(forTimeInterval: 0.05); continue }
            text += String(decoding: chunk, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("listening on http://127.0.0.1:") }) {
                found = Int(line.split(separator: ":").last ?? "")
            }
        }
        guard let found else {
            if process.isRunning { process.terminate() }
            throw ServeError(message: "no 'listening on' line; stdout: \(text)")
        }
        port = found
    }

    struct ServeError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// Sends a signal and waits (at most `timeout` seconds) for the process to exit.
    func stop(signal: Int32 = SIGTERM, timeout: TimeInterval = 30) -> (status: Int32, signalled: Bool)? {
        guard process.isRunning else { return (process.terminationStatus, process.terminationReason == .uncaughtSignal) }
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return (process.terminationStatus, process.terminationReason == .uncaughtSignal)
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    struct Reply {
        var status: Int
        var body: Data
        var json: TestJSON? { try? TestJSON.parse(body) }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    func request(_ method: String, _ path: String, token: String?, json: Any? = nil, headers: [String: String] = [:]) async throws -> Reply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpMethod = method
        request.timeoutInterval = 60
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return Reply(status: (response as! HTTPURLResponse).statusCode, body: data)
    }

    /// Polls a deletion until `done` accepts its status (at most `timeout` seconds).
    func waitFor(deletion id: Int, token: String, timeout: TimeInterval = 120, _ done: (String) -> Bool) async throws -> TestJSON? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let reply = try await request("GET", "/v1/deletions/\(id)", token: token)
            if let status = reply.json?["status"]?.string, done(status) { return reply.json }
            try await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }
}

/// Runs the CLI once and returns its exit status and stdout.
func runCLI(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: ServeProcess.binary)
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["OPENBLAS_NUM_THREADS"] = "1"
    process.environment = environment
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}
