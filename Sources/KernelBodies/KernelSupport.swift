import Tensor

// Small helpers shared by the kernel files: pointer wrappers that may cross into the workers'
// `@Sendable` closures, and unaligned SIMD loads/stores. Inlinable and always inlined, so each
// kernel module compiles them for its own target CPU (see VectorISA).

/// A read-only pointer that may be captured by `Parallel`'s `@Sendable` closures; the caller
/// guarantees nobody writes the memory while the workers read it.
public struct ConstPointer<T>: @unchecked Sendable {
    public let p: UnsafePointer<T>
    @inlinable public init(_ p: UnsafePointer<T>) { self.p = p }
}

@inlinable @inline(__always)
public func load<V: SIMD>(_ p: UnsafePointer<Float>, as: V.Type = V.self) -> V where V.Scalar == Float {
    UnsafeRawPointer(p).loadUnaligned(as: V.self)
}

@inlinable @inline(__always)
public func store<V: SIMD>(_ v: V, _ p: UnsafeMutablePointer<Float>) where V.Scalar == Float {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
}

/// Copies `count` floats between non-overlapping buffers. Short rows (7, 14, 28 wide in a face
/// network) would spend more time in a scalar tail or a memmove call than in the vector part, so
/// the last piece is one more full vector ending exactly at `count`, overlapping the previous one
/// (it rewrites the same values).
@inlinable @inline(__always)
public func copyRun(_ src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, count: Int) {
    if count >= 16 {
        var i = 0
        while i &+ 16 <= count { store(load(src + i, as: SIMD16<Float>.self), dst + i); i &+= 16 }
        if i < count { store(load(src + (count &- 16), as: SIMD16<Float>.self), dst + (count &- 16)) }
    } else if count >= 8 {
        store(load(src, as: SIMD8<Float>.self), dst)
        store(load(src + (count &- 8), as: SIMD8<Float>.self), dst + (count &- 8))
    } else if count >= 4 {
        store(load(src, as: SIMD4<Float>.self), dst)
        store(load(src + (count &- 4), as: SIMD4<Float>.self), dst + (count &- 4))
    } else {
        for i in 0..<count { dst[i] = src[i] }
    }
}

/// Writes the first `count` lanes of `v` (for the ragged end of a row).
@inlinable @inline(__always)
public func storePartial<V: SIMD>(_ v: V, _ p: UnsafeMutablePointer<Float>, count: Int) where V.Scalar == Float {
    var t = v
    withUnsafePointer(to: &t) { tp in
        copyRun(UnsafeRawPointer(tp).assumingMemoryBound(to: Float.self), to: p, count: count)
    }
}

/// `Parallel`'s minChunk for items of `itemCost` elements: a thread is only worth waking for
/// roughly `grain` elements of work (dispatch costs a few microseconds).
@inlinable @inline(__always)
public func minChunk(itemCost: Int, grain: Int = 32_768) -> Int {
    max(1, grain / max(itemCost, 1))
}

/// Floor division rounding towards minus infinity (Swift's `/` truncates towards zero).
@inlinable @inline(__always)
public func floorDiv(_ a: Int, _ b: Int) -> Int {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

@inlinable @inline(__always)
public func ceilDiv(_ a: Int, _ b: Int) -> Int { -floorDiv(-a, b) }
