import Foundation
import Synchronization

/// A one-line progress display for long training: shards done, samples/s and ETA.
///
/// It draws only when stdout is a terminal, so scheduled jobs and pipes stay quiet.
public final class ProgressDisplay: Sendable {
    private struct State {
        var samples = 0
        var shardsDone = 0
        var finished = false
    }

    private let title: String
    private let totalSamples: Int
    private let totalShards: Int
    private let started = Date()
    private let state = Mutex(State())
    private let enabled: Bool

    public init(title: String, totalSamples: Int, totalShards: Int, enabled: Bool = isatty(STDOUT_FILENO) == 1) {
        self.title = title
        self.totalSamples = max(totalSamples, 1)
        self.totalShards = totalShards
        self.enabled = enabled
        if enabled {
            Thread.detachNewThread { [self] in
                while !self.state.withLock({ $0.finished }) {
                    self.draw()
                    Thread.sleep(forTimeInterval: 0.25)
                }
            }
        }
    }

    public func add(samples: Int) { state.withLock { $0.samples += samples } }
    public func shardDone() { state.withLock { $0.shardsDone += 1 } }

    public func finish() {
        guard enabled else { return }
        state.withLock { $0.finished = true }
        FileHandle.standardOutput.write(Data("\r\u{1B}[K".utf8))
    }

    private func draw() {
        let snapshot = state.withLock { $0 }
        let elapsed = Date().timeIntervalSince(started)
        let rate = Double(snapshot.samples) / max(elapsed, 1e-3)
        let remaining = Double(totalSamples - snapshot.samples) / max(rate, 1)
        let percent = 100 * Double(snapshot.samples) / Double(totalSamples)
        let line = String(
            format: "\r\u{1B}[K%@ %5.1f%%  shards %d/%d  %.0f samples/s  ETA %@",
            title, percent, snapshot.shardsDone, totalShards, rate, Self.duration(remaining))
        FileHandle.standardOutput.write(Data(line.utf8))
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s % 3600 / 60) : String(format: "%dm%02ds", s / 60, s % 60)
    }
}
