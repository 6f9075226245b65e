import KernelBodies

/// The AVX2 copy of the dispatched kernel bodies: Kernels is compiled with `-target-cpu haswell`
/// (FACENAS_TARGET_CPU), and this type, being this module's own, gives the specialisations made
/// here names of their own (see VectorISA).
package enum AVX2: VectorISA {
    package static var registerLanes: Int { 8 }
}
