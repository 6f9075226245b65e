import CBLAS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// OpenBLAS 0.3.21 (Debian 12) does not know recent CPUs. On recent Xeons it silently falls back
/// to its SSE3 "Prescott" kernels, about 5× slower; where it settles on its AVX2 "Haswell"/"Zen"
/// kernels on a CPU that has AVX-512 (AMD parts it does not know), its SkylakeX sgemm does the same
/// work in about 60% of the CPU time (Zen 5, performance.md, 2026-12-03). It reads OPENBLAS_CORETYPE only when the
/// library loads, so the fix must happen before `main`'s first BLAS call: re-execute the program
/// once with the variable set. A value already set by the environment is always respected.
public enum CoreTypeGuard {
    /// Cores whose kernels already use AVX-512.
    static let avx512Cores: Set<String> = ["SkylakeX", "Cooperlake", "SapphireRapids"]
    /// Generic cores OpenBLAS falls back to when it does not know the model.
    static let genericCores: Set<String> = ["Prescott", "Core2", "Nehalem", "Sandybridge"]

    /// The core type to ask for on this CPU, or nil when the detected core is fine.
    public static func recommendedCoreType(coreName: String, cpuFlags: Set<String>,
                                           environmentValue: String?) -> String? {
        if let v = environmentValue, !v.isEmpty { return nil }
        if avx512Cores.contains(coreName) { return nil }
        if cpuFlags.contains("avx512f") && cpuFlags.contains("avx512bw") && cpuFlags.contains("avx512vl") {
            return "SKYLAKEX"
        }
        guard genericCores.contains(coreName) else { return nil }
        if cpuFlags.contains("avx2") && cpuFlags.contains("fma") { return "HASWELL" }
        return nil
    }

    /// This machine's flags, read once per process (the core guard and `CPUFeatures` both ask).
    public static let flags: Set<String> = cpuFlags()

    /// Flags of the first processor in /proc/cpuinfo (empty where that file does not exist).
    public static func cpuFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return [] }
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            if let colon = line.firstIndex(of: ":") {
                return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
            }
        }
        return []
    }

    /// Call first thing in `main`. Either returns (core is fine, or the variable was already set)
    /// or replaces the process with itself under the right OPENBLAS_CORETYPE.
    public static func ensureFastCore() {
        let env = ProcessInfo.processInfo.environment
        guard env["FACENAS_COREGUARD_DONE"] == nil else { return }
        // FACENAS_TEST_CORENAME stands in for the detected core so tests can drive the re-exec
        // on machines whose OpenBLAS already detects the CPU.
        let core = env["FACENAS_TEST_CORENAME"] ?? BLAS.coreName
        guard let want = recommendedCoreType(coreName: core, cpuFlags: flags,
                                             environmentValue: env["OPENBLAS_CORETYPE"]) else { return }
        setenv("OPENBLAS_CORETYPE", want, 1)
        setenv("FACENAS_COREGUARD_DONE", "1", 1)
        let path = "/proc/self/exe"
        var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) }
        argv.append(nil)
        execv(path, argv)
        // execv only returns on failure: carry on with the slow kernels rather than stop.
        FileHandle.standardError.write("warning: could not re-execute with OPENBLAS_CORETYPE=\(want); BLAS runs slow\n".data(using: .utf8)!)
    }
}
