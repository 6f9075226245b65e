import Foundation

/// The vector extensions of this CPU that the kernels care about.
///
/// Read from the `flags` line of /proc/cpuinfo rather than by CPUID: Linux lists an AVX-512 flag
/// only when it has also enabled the ZMM and opmask state in XCR0 (the kernel clears the features
/// whose XSAVE state it does not manage), so the flags already answer "may this process run these
/// instructions", the question a raw CPUID bit plus our own XGETBV would have to rebuild. It also
/// needs no C target, and CoreTypeGuard already reads the same line for OpenBLAS.
public struct CPUFeatures: Sendable, Equatable {
    public var avx2: Bool
    public var fma: Bool
    public var avx512f: Bool
    public var avx512bw: Bool
    public var avx512vl: Bool
    public var avx512dq: Bool

    public init(flags: Set<String>) {
        avx2 = flags.contains("avx2")
        fma = flags.contains("fma")
        avx512f = flags.contains("avx512f")
        avx512bw = flags.contains("avx512bw")
        avx512vl = flags.contains("avx512vl")
        avx512dq = flags.contains("avx512dq")
    }

    /// What `-target-cpu skylake-avx512` code may use (F, BW, VL and DQ; CD is implied on every
    /// CPU that has those four and the kernels do not use it).
    public var missingForAVX512: [String] {
        [("avx512f", avx512f), ("avx512bw", avx512bw), ("avx512vl", avx512vl), ("avx512dq", avx512dq)]
            .filter { !$0.1 }.map(\.0)
    }

    public var hasAVX512: Bool { missingForAVX512.isEmpty }
    public var hasAVX2: Bool { avx2 && fma }

    /// This machine's features. FACENAS_TEST_CPUFLAGS (space-separated flags) stands in for
    /// /proc/cpuinfo, so the choice made for an AVX2-only CPU can be checked on an AVX-512 one.
    public static let current: CPUFeatures = {
        if let fake = ProcessInfo.processInfo.environment["FACENAS_TEST_CPUFLAGS"] {
            return CPUFeatures(flags: Set(fake.split(separator: " ").map(String.init)))
        }
        return CPUFeatures(flags: CoreTypeGuard.flags)
    }()
}
