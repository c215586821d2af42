import ArgumentParser
import Foundation
import Logging
import UnlearnServer
import UnlearnStore

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the HTTP service: deletion intake, predictions, audit, metrics and the retrain scheduler.",
        discussion: """
            Prints 'listening on http://HOST:PORT' once it accepts connections (--port 0 picks a free port). SIGTERM or \
            SIGINT stop it gracefully: no new requests, in-flight ones finish, a running retrain publishes first. \
            Create tokens with 'unlearn token create'. Logs go to stderr (UNLEARN_LOG_LEVEL, default info here).
            """)

    @OptionGroup var location: StoreOptions
    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port (0 picks a free one).") var port = 8080
    @Option(help: "Also serve /metrics on this port.") var metricsPort: Int?
    @Option(help: "Scheduler: retrain only when at least N requests are pending.") var ifPending: Int?
    @Option(help: "Scheduler: …or when the oldest pending request has waited this long (e.g. 6h).") var maxWait: String?
    @Option(help: "Scheduler: …or when a request falls due within this margin (e.g. 48h).") var beforeDue: String?
    @Option(help: "Scheduler: gather requests arriving within this window before retraining (e.g. 200ms as 0.2s, 5s).") var batchWindow = "0.2s"
    @Option(help: "CPU priority of the retrain threads: 'idle' (Linux SCHED_IDLE: they run only on cores nothing else wants) or a nice value 0-19.")
    var retrainPriority = "idle"
    @Option(help: "Nice value of the intake writer thread, -20...0, written with '=' (--intake-nice=-5; 0: the process's own). Raising it needs CAP_SYS_NICE or RLIMIT_NICE (systemd LimitNICE=-10); without them it stays, with a notice in the log.")
    var intakeNice: Int32 = -10
    @Flag(help: "No scheduler: retrains only through POST /v1/retrain or the CLI.") var noScheduler = false
    @Option(help: "Largest request body in bytes (larger: 413).") var maxBody = 1 << 20
    @Option(help: "fides base URL (e.g. http://fides:8080): erasure callbacks go to it plus each request's reply-to path.")
    var fidesURL: String?
    @Option(help: "Callbacks (fides, status URLs): the longest wait between two attempts; the wait starts at 1s and doubles.")
    var callbackMaxDelay = "10m"
    @Option(help: "Callbacks: give a row up this long after it was queued ('unlearn callbacks retry' sends it again).")
    var callbackGiveUp = "3d"
    @Option(help: "Callbacks: timeout of one delivery (connect, then the answer).") var callbackTimeout = "10s"
    @Option(help: "Callbacks: deliveries in flight at once.") var callbackConcurrency = 8

    func run() async throws {
        setenv("UNLEARN_LOG_LEVEL", "info", 0)  // a service logs at info unless told otherwise
        LoggingBootstrap.once()
        var options = ServeOptions(store: location.store)
        options.logger = Logger(label: "unlearn.serve")
        do {
            options.host = host
            options.port = port
            options.metricsPort = metricsPort
            options.ifPending = ifPending
            options.maxWait = try maxWait.map { try duration($0, "--max-wait") }
            options.beforeDue = try beforeDue.map { try duration($0, "--before-due") }
            options.batchWindow = try duration(batchWindow, "--batch-window")
            options.schedulerEnabled = !noScheduler
            switch retrainPriority {
            case "idle": options.retrainPriority = .idle
            case let text:
                guard let nice = Int32(text), (0...19).contains(nice) else {
                    throw UnlearnError(.usage, "--retrain-priority must be 'idle' or a nice value 0…19, not '\(text)'")
                }
                options.retrainPriority = nice == 0 ? .normal : .nice(nice)
            }
            guard (-20...0).contains(intakeNice) else {
                throw UnlearnError(.usage, "--intake-nice must be a nice value -20…0, not \(intakeNice)")
            }
            options.intakeNice = intakeNice
            options.maxBodyBytes = maxBody
            options.callbackPolicy.maxDelay = try duration(callbackMaxDelay, "--callback-max-delay", positive: true)
            options.callbackPolicy.giveUpAfter = try duration(callbackGiveUp, "--callback-give-up", positive: true)
            options.callbackPolicy.timeout = try duration(callbackTimeout, "--callback-timeout", positive: true)
            guard (1...256).contains(callbackConcurrency) else {
                throw UnlearnError(.usage, "--callback-concurrency must be 1…256, not \(callbackConcurrency)")
            }
            options.callbackPolicy.concurrency = callbackConcurrency
            if let fidesURL {
                guard let url = URLComponents(string: fidesURL), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
                      url.host?.isEmpty == false, url.query == nil else {
                    throw UnlearnError(.usage, "--fides-url must be an http or https base URL such as http://fides:8080, not '\(fidesURL)'")
                }
                options.fidesURL = fidesURL
            }
        } catch let error as UnlearnError {
            fail(error.description, code: error.category.rawValue)
        }
        options.onListening = { host, port in
            FileHandle.standardOutput.write(Data("listening on http://\(host):\(port)\n".utf8))
        }
        do {
            try await UnlearnServer.serve(options)
        } catch let error as UnlearnError {
            fail(error.description, code: error.category.rawValue)
        } catch {
            let (message, code) = describe(error)
            fail(message, code: code)
        }
    }
}

/// A duration option, with the option named in the error.
private func duration(_ text: String, _ option: String, positive: Bool = false) throws -> TimeInterval {
    guard let seconds = try? parseDuration(text) else {
        throw UnlearnError(.usage, "\(option): '\(text)' is not a duration", hint: "Use e.g. 90s, 30m, 48h or 2d.")
    }
    guard seconds > 0 || !positive else { throw UnlearnError(.usage, "\(option) must be more than zero, not '\(text)'") }
    return seconds
}
