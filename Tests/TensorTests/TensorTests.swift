import Foundation
import Tensor
import Testing

@Suite struct TensorTests {
    @Test func storageIsAlignedAndZeroed() {
        for n in [0, 1, 7, 1000] {
            let t = Tensor(zeros: [n])
            #expect(Int(bitPattern: t.data) % 64 == 0)
            #expect(t.array.allSatisfy { $0 == 0 })
        }
    }

    @Test func reshapeSharesStorageAndCopyDoesNot() {
        let t = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let r = t.reshaped([3, 2])
        r[0] = 9
        #expect(t[0] == 9)
        let c = t.copy()
        c[1] = -1
        #expect(t[1] == 2)
    }

    @Test func bufferGrowsAndReuses() {
        var b = Buffer()
        let a = b.tensor([4, 4])
        let c = b.tensor([2, 2])
        #expect(a.data == c.data)
        let d = b.tensor([100])
        #expect(d.count == 100)
    }

    /// The generator is deterministic per seed, uniform draws stay in [0, 1), normals have the
    /// right first two moments, and the state round-trips through Codable (checkpoints).
    @Test func rngDeterminismAndMoments() throws {
        var a = RNG(seed: 42), b = RNG(seed: 42), c = RNG(seed: 43)
        let xs = (0..<5).map { _ in a.next() }
        #expect(xs == (0..<5).map { _ in b.next() })
        #expect(xs != (0..<5).map { _ in c.next() })
        var r = RNG(seed: 1)
        var sum = 0.0, sq = 0.0
        let n = 200_000
        for _ in 0..<n { let v = Double(r.normal()); sum += v; sq += v * v }
        #expect(abs(sum / Double(n)) < 0.01)
        #expect(abs(sq / Double(n) - 1) < 0.01)
        for _ in 0..<10_000 { let u = r.uniform(); #expect(u >= 0 && u < 1) }
        let saved = try JSONDecoder().decode(RNG.self, from: JSONEncoder().encode(r))
        var r2 = saved
        #expect(r.next() == r2.next())
        var r5 = RNG(seed: 5)
        #expect(Set(r5.permutation(100)) == Set(0..<100))
    }

    @Test func parallelChunksCoverEveryIndexOnce() {
        let n = 1001
        let hits = UnsafeMutablePointer<Int32>.allocate(capacity: n)
        hits.initialize(repeating: 0, count: n)
        defer { hits.deallocate() }
        let p = SendablePointer(hits)
        Parallel.forChunks(n) { lo, hi in for i in lo..<hi { p.p[i] += 1 } }
        #expect((0..<n).allSatisfy { hits[$0] == 1 })
    }

    /// C = A·B and the transposed forms against a naive triple loop.
    @Test func gemmMatchesNaive() {
        var rng = RNG(seed: 3)
        let m = 5, n = 7, k = 9
        let a = (0..<(m * k)).map { _ in rng.uniform(-1, 1) }, b = (0..<(k * n)).map { _ in rng.uniform(-1, 1) }
        var c = [Float](repeating: 1, count: m * n)
        BLAS.gemm(m: m, n: n, k: k, alpha: 2, a: a, lda: k, b: b, ldb: n, beta: 0.5, c: &c, ldc: n)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k { s += Double(a[i * k + p]) * Double(b[p * n + j]) }
                #expect(abs(Double(c[i * n + j]) - (2 * s + 0.5)) < 1e-5)
            }
        }
        // Aᵀ stored k×m, Bᵀ stored n×k.
        var at = [Float](repeating: 0, count: k * m), bt = [Float](repeating: 0, count: n * k)
        for i in 0..<m { for p in 0..<k { at[p * m + i] = a[i * k + p] } }
        for p in 0..<k { for j in 0..<n { bt[j * k + p] = b[p * n + j] } }
        var c2 = [Float](repeating: 0, count: m * n)
        BLAS.gemm(transA: true, transB: true, m: m, n: n, k: k, a: at, lda: m, b: bt, ldb: k, c: &c2, ldc: n)
        for i in 0..<(m * n) { #expect(abs(c2[i] - (c[i] - 0.5) / 2) < 1e-5) }
    }

    /// The split GEMM equals a naive double-precision product for every transpose combination,
    /// with C split by rows (m large) and by columns (m small), and with leading dimensions wider
    /// than the matrices (sub-blocks of larger buffers).
    @Test(arguments: [(64, 40, 600), (3, 900, 500)]) func parallelGemmMatchesNaive(m: Int, n: Int, k: Int) {
        var rng = RNG(seed: 11)
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 5
            let a = (0..<((ta ? k : m) * lda)).map { _ in rng.uniform(-1, 1) }
            let b = (0..<((tb ? n : k) * ldb)).map { _ in rng.uniform(-1, 1) }
            let c0 = (0..<(m * ldc)).map { _ in rng.uniform(-1, 1) }
            var c = c0
            c.withUnsafeMutableBufferPointer { cp in
                BLAS.parallelGemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 1.5, a: a, lda: lda, b: b, ldb: ldb,
                                  beta: 0.25, c: cp.baseAddress!, ldc: ldc)
            }
            var worst = 0.0
            for i in 0..<m {
                for j in 0..<ldc {
                    guard j < n else { #expect(c[i * ldc + j] == c0[i * ldc + j]); continue }
                    var s = 0.0
                    for p in 0..<k {
                        s += Double(ta ? a[p * lda + i] : a[i * lda + p]) * Double(tb ? b[j * ldb + p] : b[p * ldb + j])
                    }
                    worst = max(worst, abs(Double(c[i * ldc + j]) - (1.5 * s + 0.25 * Double(c0[i * ldc + j]))))
                }
            }
            #expect(worst < 1e-3, "transA \(ta) transB \(tb): max error \(worst)")
        }
    }

    /// The core-type guard asks for SKYLAKEX on an AVX-512 CPU whose detected core is not an
    /// AVX-512 one (generic cores on new Xeons, Haswell/Zen on AMD Zen 4/5), HASWELL for a generic
    /// core on an AVX2 CPU, and nothing once the variable is set by the environment.
    @Test func coreTypeGuardDecisions() {
        let avx512: Set<String> = ["avx2", "fma", "avx512f", "avx512bw", "avx512vl"]
        #expect(CoreTypeGuard.recommendedCoreType(coreName: "Prescott", cpuFlags: avx512, environmentValue: nil) == "SKYLAKEX")
        #expect(CoreTypeGuard.recommendedCoreType(coreName: "Prescott", cpuFlags: ["avx2", "fma"], environmentValue: nil) == "HASWELL")
        #expect(CoreTypeGuard.recommendedCoreType(coreName: "Prescott", cpuFlags: avx512, environmentValue: "HASWELL") == nil)
        #expect(CoreTypeGuard.recommendedCoreType(coreName: "Prescott", cpuFlags: avx512, environmentValue: "") == "SKYLAKEX")
        #expect(CoreTypeGuard.recommendedCoreType(coreName: "SkylakeX", cpuFlags: avx512, environmentValue: nil) == nil)
        #expect(CoreTypeGuard.recommendedCoreType(coreName: "Cooperlake", cpuFlags: avx512, environmentValue: nil) == nil)
        #expect(CoreTypeGuard.recommendedCoreType(coreName: "Haswell", cpuFlags: avx512, environmentValue: nil) == "SKYLAKEX")
        #expect(CoreTypeGuard.recommendedCoreType(coreName: "Zen", cpuFlags: avx512, environmentValue: nil) == "SKYLAKEX")
        #expect(CoreTypeGuard.recommendedCoreType(coreName: "Haswell", cpuFlags: ["avx2", "fma"], environmentValue: nil) == nil)
        #expect(CoreTypeGuard.recommendedCoreType(coreName: "Zen", cpuFlags: ["avx2", "fma"], environmentValue: nil) == nil)
        #expect(CoreTypeGuard.recommendedCoreType(coreName: "Prescott", cpuFlags: ["sse3"], environmentValue: nil) == nil)
    }

    /// Under `make test` the variable is exported, so the test process runs the fast kernels.
    @Test func openBLASRunsAFastCoreUnderMakeTest() {
        guard let v = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"], !v.isEmpty else { return }
        #expect(BLAS.coreName != "Prescott", "OPENBLAS_CORETYPE=\(v) but OpenBLAS reports \(BLAS.coreName)")
    }
}
