/// Derives independent RNG seeds from (seed, stream, epoch, batch…) so every random stream of the
/// loader is a pure function of its coordinates, whatever thread computes it and whenever.
enum SeedMix {
    /// Stream tags keep the streams apart even for equal numeric coordinates.
    static let permutation: UInt64 = 0x7065_726D        // "perm"
    static let augmentation: UInt64 = 0x6175_676D       // "augm"
    static let subset: UInt64 = 0x7375_6273            // "subs"

    static func mix(_ values: UInt64...) -> UInt64 {
        var h: UInt64 = 0x243F_6A88_85A3_08D3
        for v in values { h = splitmix(h ^ splitmix(v &+ 0x9E37_79B9_7F4A_7C15)) }
        return h
    }

    @inline(__always)
    static func splitmix(_ x0: UInt64) -> UInt64 {
        var x = x0 &+ 0x9E37_79B9_7F4A_7C15
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        return x ^ (x >> 31)
    }
}
