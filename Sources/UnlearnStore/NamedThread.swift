import Foundation

extension Thread {
    /// Starts a thread under a name the kernel shows (`top -H`, `perf`, `/proc/PID/task/*/comm`).
    ///
    /// The name is set from inside the thread: on Linux, a `name` set before `start()` never
    /// reaches the kernel, and the thread shows its creator's name instead.
    public static func startNamed(_ name: String, stackSize: Int? = nil, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread {
            Thread.current.name = name
            body()
        }
        if let stackSize { thread.stackSize = stackSize }
        thread.start()
    }
}
