import Foundation

/// A task executor with threads of its own, one per core, for the measured
/// work of a benchmark.
///
/// Why it exists: the benchmark runner (ordo-one/benchmark 1.38) starts an
/// `async` benchmark from its own `async` code and waits for it on a
/// semaphore (`Benchmark.runAsync`), so while a benchmark runs, one thread of
/// Swift's cooperative pool is blocked. On this two-core machine that leaves
/// the measured code one pool thread instead of two, which the server and the
/// CLI never have: the in-process pipeline measured ~800 ms under the runner
/// and ~670 ms in `pipeline-profile`, and blocking one pool thread in
/// `pipeline-profile` reproduced the ~800 ms.
///
/// Run the measured work with `withTaskExecutorPreference(executor)`: its
/// tasks, child tasks and the default actors it calls then run on these
/// threads, which nothing blocks. Call ``shutdown()`` when done.
public final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    /// One per process, started on first use, for every benchmark.
    public static let shared = ThreadExecutor()

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var head = 0
    private var stopping = false

    /// Starts `threads` threads (by default one per active core).
    public init(threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        for n in 0..<max(1, threads) {
            let thread = Thread { [self] in work() }
            thread.name = "bench-executor-\(n)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Lets the threads end once the queue is empty.
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func work() {
        while let job = next() {
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }

    private func next() -> UnownedJob? {
        condition.lock()
        defer { condition.unlock() }
        while head == jobs.count {
            if stopping { return nil }
            condition.wait()
        }
        let job = jobs[head]
        head += 1
        if head == jobs.count {
            jobs.removeAll(keepingCapacity: true)
            head = 0
        }
        return job
    }
}
