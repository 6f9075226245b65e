import CBLAS
#if canImport(Glibc)
import Glibc
#endif

/// Thin wrapper over OpenBLAS's row-major `cblas_sgemm`.
///
/// Threading policy: FaceNAS parallelises its own loops (over images or channels) and keeps
/// OpenBLAS single-threaded, so the two never oversubscribe the 2 cores. A large GEMM outside any
/// parallel region goes through `parallelGemm`, which gives each of our workers a block of rows
/// (or columns) of C. OpenBLAS's thread count is never raised: it is one global setting, and two
/// callers running multi-threaded GEMMs at once (concurrent tests, say) can livelock its
/// thread pool.
public enum BLAS {
    /// C[m×n] = alpha · op(A) · op(B) + beta · C, all row-major.
    /// A is m×k (or k×m when `transA`), B is k×n (or n×k when `transB`).
    @inlinable
    public static func gemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                            alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                            b: UnsafePointer<Float>, ldb: Int,
                            beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        _ = singleThreadedByDefault
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                    beta, c, blasint(ldc))
    }

    /// Double-precision `gemm` (same layout rules): for metrics whose ties and thresholds must
    /// match a float64 reference exactly, such as identification scores.
    public static func dgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                             alpha: Double = 1, a: UnsafePointer<Double>, lda: Int,
                             b: UnsafePointer<Double>, ldb: Int,
                             beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int) {
        if m == 0 || n == 0 { return }
        _ = singleThreadedByDefault
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                    beta, c, blasint(ldc))
    }

    /// OpenBLAS starts with one thread per core; our loops already use both cores, so nested
    /// OpenBLAS threads would oversubscribe them (its workers spin). Set once, before the first GEMM.
    @usableFromInline static let singleThreadedByDefault: Void = { openblas_set_num_threads(1) }()

    /// The OpenBLAS kernel family in use ("SkylakeX", "Haswell", "Prescott", …).
    public static var coreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }

    public static var config: String {
        guard let p = openblas_get_config() else { return "unknown" }
        return String(cString: p)
    }

    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// Sets OpenBLAS's thread count. It is process-wide state, so only the program's start-up
    /// sets it (to 1); large GEMMs use `parallelGemm`, which splits the work over our own workers.
    public static func setThreads(_ n: Int) {
        _ = singleThreadedByDefault
        openblas_set_num_threads(Int32(n))
    }
}
