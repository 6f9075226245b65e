import Tensor

public extension BatchLoader {
    /// `count` indices into `labels`, as balanced over the classes as their sizes allow: classes are
    /// visited round-robin (in a seeded order) and each gives its next image from a seeded shuffle,
    /// so per-class counts differ by at most one unless a class runs out. Sorted ascending; all
    /// indices when `count` ≥ `labels.count`. Labels outside `0..<classes` are never chosen.
    static func stratifiedSubset(labels: [Int32], classes: Int, count: Int, seed: UInt64) -> [Int] {
        var rng = RNG(seed: SeedMix.mix(seed, SeedMix.subset, UInt64(labels.count), UInt64(classes)))
        var perClass = [[Int]](repeating: [], count: classes)
        for (i, l) in labels.enumerated() where l >= 0 && Int(l) < classes { perClass[Int(l)].append(i) }
        let available = perClass.reduce(0) { $0 + $1.count }
        if count >= available { return perClass.flatMap { $0 }.sorted() }
        for c in 0..<classes {
            let p = rng.permutation(perClass[c].count)
            perClass[c] = p.map { perClass[c][$0] }
        }
        let order = rng.permutation(classes)
        var taken = [Int](repeating: 0, count: classes)
        var out: [Int] = []
        out.reserveCapacity(count)
        while out.count < count {
            for c in order where out.count < count && taken[c] < perClass[c].count {
                out.append(perClass[c][taken[c]])
                taken[c] += 1
            }
        }
        return out.sorted()
    }
}
