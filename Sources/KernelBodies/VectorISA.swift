// The bodies of the dispatched kernels (depthwise, batch norm, ReLU/PReLU) are written once here,
// generic over a `VectorISA`, and compiled twice: Kernels specialises them for its `AVX2` type
// under `-target-cpu haswell`, KernelsAVX512 for its `AVX512` type under skylake-avx512. The
// generic code itself is never what runs.
//
// Rule for this target: every generic function or type that the optimiser may leave out of line
// takes the ISA type among its generic parameters. A specialisation is emitted in the client module
// under a name made of its generic arguments; the linker keeps one copy per name, so a
// specialisation named by `SIMD16<Float>` alone could hand the AVX-512 build of a loop to an AVX2
// caller. Naming the module's own ISA type keeps the two copies apart.

/// An instruction-set width the kernel bodies are specialised for.
public protocol VectorISA: SendableMetatype {
    /// Floats in one vector register: 8 for ymm (AVX2), 16 for zmm (AVX-512).
    static var registerLanes: Int { get }
}

extension VectorISA {
    /// Vector registers one `V` occupies (SIMD16<Float> is two ymm or one zmm).
    @inlinable @inline(__always)
    public static func registers(lanes: Int) -> Int { max(1, lanes / registerLanes) }
}
