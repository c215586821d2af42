import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Thread {
    /// Starts a thread under a name the kernel shows (`top -H`, `perf`, `/proc/PID/task/*/comm`).
    ///
    /// The name is given to the kernel by the thread itself: Foundation's
    /// `name` setter reaches the kernel only once the creator has stored the thread's handle,
    /// which races with the thread's start, and a name set before `start()` never arrives.
    /// The kernel keeps 15 bytes; a longer name is cut there.
    public static func startNamed(_ name: String, stackSize: Int? = nil, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread {
            #if os(Linux)
            // Glibc's module leaves out pthread_setname_np (a GNU extension); this file is its
            // documented equivalent for the calling thread. Failure only leaves the name unset.
            try? Data(name.utf8.prefix(15)).write(to: URL(fileURLWithPath: "/proc/thread-self/comm"))
            #endif
            Thread.current.name = name
            body()
        }
        if let stackSize { thread.stackSize = stackSize }
        thread.start()
    }

    /// The calling thread's nice value (Linux keeps one per thread).
    public static var currentNice: Int32 {
        #if os(Linux)
        return getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        #else
        return 0
        #endif
    }

    /// Sets the calling thread's nice value (-20…19) and reports whether the kernel took it.
    ///
    /// `setpriority` with id 0 changes the calling thread only. Going below the process's own
    /// value needs CAP_SYS_NICE or an RLIMIT_NICE that allows it (systemd's `LimitNICE=`);
    /// without them the thread keeps its priority.
    @discardableResult
    public static func setCurrentNice(_ value: Int32) -> Bool {
        #if os(Linux)
        return setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, value) == 0
        #else
        return false
        #endif
    }
}
