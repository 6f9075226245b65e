import Dispatch

/// A pointer that may cross into `concurrentPerform`'s `@Sendable` closures; the caller
/// guarantees the threads touch disjoint parts.
public struct SendablePointer<T>: @unchecked Sendable {
    public let p: UnsafeMutablePointer<T>
    @inlinable public init(_ p: UnsafeMutablePointer<T>) { self.p = p }
}

public enum Parallel {
    /// Worker count for our own loops: the machine has 2 cores; FACENAS_THREADS overrides.
    public static let workers: Int = {
        if let s = getenvString("FACENAS_THREADS"), let n = Int(s), n >= 1 { return n }
        return max(1, min(2, System.activeProcessorCount))
    }()

    /// Runs `body(lo, hi)` over `workers` contiguous chunks of `0..<n` at once. Each chunk gets at
    /// least `minChunk` items, so tiny loops stay on the calling thread (dispatch costs ~µs).
    @inlinable
    public static func forChunks(_ n: Int, minChunk: Int = 1, _ body: @Sendable (Int, Int) -> Void) {
        let parts = min(workers, max(1, n / max(minChunk, 1)))
        if parts <= 1 { if n > 0 { body(0, n) }; return }
        DispatchQueue.concurrentPerform(iterations: parts) { t in
            let lo = n * t / parts, hi = n * (t + 1) / parts
            if hi > lo { body(lo, hi) }
        }
    }

    /// Runs `body(worker, lo, hi)`; the worker index lets each thread use its own scratch.
    @inlinable
    public static func forWorkers(_ n: Int, minChunk: Int = 1, _ body: @Sendable (Int, Int, Int) -> Void) {
        let parts = min(workers, max(1, n / max(minChunk, 1)))
        if parts <= 1 { if n > 0 { body(0, 0, n) }; return }
        DispatchQueue.concurrentPerform(iterations: parts) { t in
            let lo = n * t / parts, hi = n * (t + 1) / parts
            if hi > lo { body(t, lo, hi) }
        }
    }
}

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
