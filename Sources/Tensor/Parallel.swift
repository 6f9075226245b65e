import Dispatch

/// A pointer that may cross into `concurrentPerform`'s `@Sendable` closures; the caller
/// guarantees the threads touch disjoint parts.
public struct SendablePointer<T>: @unchecked Sendable {
    public let p: UnsafeMutablePointer<T>
    @inlinable public init(_ p: UnsafeMutablePointer<T>) { self.p = p }
}

public enum Parallel {
    /// Worker count for our own loops: the machine has 2 cores; FACENAS_THREADS overrides. The
    /// ranks of an MPI job on one machine share its cores (2 ranks on 2 cores: 1 worker each).
    public static let workers: Int = {
        if let s = getenvString("FACENAS_THREADS"), let n = Int(s), n >= 1 { return n }
        let perNode = Communicator.launcherWorld?.localSize ?? 1
        return max(1, min(2, System.activeProcessorCount) / max(1, perNode))
    }()

    /// Runs `body(lo, hi)` over `workers` contiguous chunks of `0..<n` at once. Each chunk gets at
    /// least `minChunk` items, so tiny loops stay on the calling thread (dispatch costs ~µs).
    /// Inside a parallel region (a kernel called from a layer's per-image loop) it runs inline,
    /// so the two levels never oversubscribe the cores.
    public static func forChunks(_ n: Int, minChunk: Int = 1, _ body: @Sendable (Int, Int) -> Void) {
        forWorkers(n, minChunk: minChunk) { _, lo, hi in body(lo, hi) }
    }

    /// Runs `body(worker, lo, hi)`; the worker index lets each thread use its own scratch.
    public static func forWorkers(_ n: Int, minChunk: Int = 1, _ body: @Sendable (Int, Int, Int) -> Void) {
        let parts = isInsideRegion ? 1 : min(workers, max(1, n / max(minChunk, 1)))
        if parts <= 1 { if n > 0 { body(0, 0, n) }; return }
        DispatchQueue.concurrentPerform(iterations: parts) { t in
            let lo = n * t / parts, hi = n * (t + 1) / parts
            if hi > lo { region { body(t, lo, hi) } }
        }
    }

    /// True on a thread that is running a chunk of a parallel loop.
    public static var isInsideRegion: Bool { pthread_getspecific(regionKey) != nil }

    private static func region(_ body: () -> Void) {
        pthread_setspecific(regionKey, UnsafeRawPointer(bitPattern: 1))
        body()
        pthread_setspecific(regionKey, nil)
    }
}

private let regionKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()

enum System {
    static var activeProcessorCount: Int {
        #if os(Linux)
        return Int(sysconfNProc())
        #else
        return 2
        #endif
    }
}

@usableFromInline func getenvString(_ name: String) -> String? {
    guard let v = getenv(name) else { return nil }
    return String(cString: v)
}

#if canImport(Glibc)
import Glibc
private func sysconfNProc() -> Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
#else
import Darwin
private func sysconfNProc() -> Int { Int(sysconf(_SC_NPROCESSORS_ONLN)) }
#endif
