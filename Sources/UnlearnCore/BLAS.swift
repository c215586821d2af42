import COpenBLAS

/// Thin, typed wrappers over the single-precision BLAS calls the trainer needs.
/// All matrices are row-major and passed as raw pointers with explicit shapes.
public enum BLAS {
    /// Pins OpenBLAS to one thread: the trainer parallelises across shards instead,
    /// which scales better on small GEMMs and keeps results independent of thread timing.
    public static func useSingleThread() {
        openblas_set_num_threads(1)
    }

    /// C (m×n) = alpha · op(A) · op(B) + beta · C, with op(A) m×k and op(B) k×n.
    @inline(__always)
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
