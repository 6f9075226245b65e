import KernelBodies

// This target is compiled with `-target-cpu skylake-avx512`: everything here may contain AVX-512
// instructions and must only run once `KernelPath.select` has chosen `.avx512`. Its entry points
// are `@inline(never)`, so Kernels (haswell) calls them rather than re-inlining their bodies into
// its own code, where they would be rebuilt for AVX2 and the dispatch would change nothing.

/// The AVX-512 copy of the dispatched kernel bodies; as this module's own type it keeps the
/// specialisations made here apart from Kernels' AVX2 ones (see VectorISA).
package enum AVX512: VectorISA {
    package static var registerLanes: Int { 16 }
}
