import CBLAS

extension BLAS {
    /// `gemm` with C split into one block per worker: rows of C when m is large enough, else
    /// columns. Each block is an independent single-threaded GEMM on disjoint memory, so the result
    /// equals `gemm`'s up to the blocking of the sums inside OpenBLAS. Inside a parallel region it
    /// is one plain call.
    public static func parallelGemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                                    alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                                    b: UnsafePointer<Float>, ldb: Int,
                                    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let ap = SendablePointer(UnsafeMutablePointer(mutating: a)), bp = SendablePointer(UnsafeMutablePointer(mutating: b))
        let cp = SendablePointer(c)
        split(m: m, n: n, k: k) { rows, cols in
            // Row block: A's rows (or columns when transposed) and C's rows move; column block: B's
            // columns (or rows when transposed) and C's columns move.
            let a0 = rows.lowerBound * (transA ? 1 : lda), b0 = cols.lowerBound * (transB ? ldb : 1)
            gemm(transA: transA, transB: transB, m: rows.count, n: cols.count, k: k, alpha: alpha,
                 a: ap.p + a0, lda: lda, b: bp.p + b0, ldb: ldb, beta: beta,
                 c: cp.p + rows.lowerBound * ldc + cols.lowerBound, ldc: ldc)
        }
    }

    /// Double-precision `parallelGemm`.
    public static func parallelDgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                                     alpha: Double = 1, a: UnsafePointer<Double>, lda: Int,
                                     b: UnsafePointer<Double>, ldb: Int,
                                     beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int) {
        let ap = SendablePointer(UnsafeMutablePointer(mutating: a)), bp = SendablePointer(UnsafeMutablePointer(mutating: b))
        let cp = SendablePointer(c)
        split(m: m, n: n, k: k) { rows, cols in
            let a0 = rows.lowerBound * (transA ? 1 : lda), b0 = cols.lowerBound * (transB ? ldb : 1)
            dgemm(transA: transA, transB: transB, m: rows.count, n: cols.count, k: k, alpha: alpha,
                  a: ap.p + a0, lda: lda, b: bp.p + b0, ldb: ldb, beta: beta,
                  c: cp.p + rows.lowerBound * ldc + cols.lowerBound, ldc: ldc)
        }
    }

    /// Calls `block(rows, columns)` once per worker on disjoint blocks of the m×n output; small
    /// products (under about a million multiply-adds) stay whole on the calling thread.
    static func split(m: Int, n: Int, k: Int, _ block: @Sendable (Range<Int>, Range<Int>) -> Void) {
        if m == 0 || n == 0 { return }
        let workers = Parallel.workers
        guard workers > 1, !Parallel.isInsideRegion, m * n * k >= 1 << 20 else { block(0..<m, 0..<n); return }
        if m >= 8 * workers {
            Parallel.forChunks(m, minChunk: 8) { lo, hi in block(lo..<hi, 0..<n) }
        } else {
            Parallel.forChunks(n, minChunk: 8) { lo, hi in block(0..<m, lo..<hi) }
        }
    }
}
