import Training
import Datasets
import Metrics
import Foundation
import Search
import Testing

/// The face search's split of its training source: identities held out for ranking never reach
/// training, the ranking pairs follow the 10-fold [same, different] layout, the proxy subsets have
/// the sizes asked for, and the whole split is a function of the seed.
@Suite struct FaceSearchSplitTests {
    /// 30 identities with 6 + (i mod 5) images each; image bytes encode (identity, n) so pairs can be checked.
    static func source() -> InMemoryFaceImages {
        var images: [Data] = [], labels: [Int] = []
        for i in 0..<30 { for n in 0..<(6 + i % 5) { images.append(Data("\(i):\(n)".utf8)); labels.append(i) } }
        return InMemoryFaceImages(name: "mem", images: images, labels: labels)
    }

    static func identity(_ d: Data) -> Int { Int(String(decoding: d, as: UTF8.self).split(separator: ":")[0])! }

    @Test func heldOutIdentitiesNeverTrainAndPairsFollowTheFoldLayout() throws {
        let src = Self.source()
        let split = try FaceSearchSplit(source: src, labels: src.labels, heldOutFraction: 0.2, rankingPairs: 100,
                                        subsetIdentities: nil, subsetImages: nil, seed: 7)
        #expect(split.heldOutIdentities.count == 6)
        let trainIdentities = Set(split.training.indices.map { src.labels[$0] })
        #expect(trainIdentities.isDisjoint(with: split.heldOutIdentities))
        #expect(trainIdentities.count == 24 && split.training.classes == 24)
        #expect(split.training.count == src.count - src.labels.filter { split.heldOutIdentities.contains($0) }.count)
        // Renumbered labels are 0..<classes and follow the base identities.
        for (k, i) in split.training.indices.enumerated() {
            #expect(split.training.baseIdentities[split.training.labels[k]] == src.labels[i])
        }
        let r = try #require(split.ranking)
        #expect(r.isSame.count == 100)
        var seen = Set<String>()
        for p in 0..<100 {
            let a = try r.images.encodedImage(at: 2 * p).bytes, b = try r.images.encodedImage(at: 2 * p + 1).bytes
            let (ia, ib) = (Self.identity(a), Self.identity(b))
            #expect(split.heldOutIdentities.contains(ia) && split.heldOutIdentities.contains(ib))
            #expect(r.isSame[p] == (ia == ib))
            #expect(a != b)
            let key = [String(decoding: a, as: UTF8.self), String(decoding: b, as: UTF8.self)].sorted().joined(separator: "|")
            #expect(seen.insert(key).inserted, "pair \(p) repeats")
            // Fold f holds pairs 10f..<10f+10: five same, then five different.
            #expect(r.isSame[p] == (p % 10 < 5))
        }
    }

    @Test func tooFewHeldOutPairsIsAnErrorNotAnEmptyRanking() throws {
        // Two held-out identities of 2 images give 2 same-identity pairs: not one per fold.
        let images = (0..<8).map { Data("\($0 / 2):\($0 % 2)".utf8) }
        let src = InMemoryFaceImages(name: "tiny", images: images, labels: (0..<8).map { $0 / 2 })
        #expect(throws: (any Error).self) {
            try FaceSearchSplit(source: src, labels: src.labels, heldOutFraction: 0.5, rankingPairs: 1000,
                                subsetIdentities: nil, subsetImages: nil, seed: 1)
        }
        // With enough images the cap is the same-identity pairs there are: 2 identities × C(6,2) = 30 → 60 pairs.
        let more = (0..<24).map { Data("\($0 / 6):\($0 % 6)".utf8) }
        let src2 = InMemoryFaceImages(name: "six", images: more, labels: (0..<24).map { $0 / 6 })
        let split = try FaceSearchSplit(source: src2, labels: src2.labels, heldOutFraction: 0.5, rankingPairs: 1000,
                                        subsetIdentities: nil, subsetImages: nil, seed: 1)
        #expect(split.ranking?.isSame.count == 60)
    }

    @Test func subsetsHaveTheAskedSizesAndTheSplitDependsOnlyOnTheSeed() throws {
        let src = Self.source()
        func make(_ seed: UInt64) throws -> FaceSearchSplit {
            try FaceSearchSplit(source: src, labels: src.labels, heldOutFraction: 0.1, rankingPairs: 40,
                                subsetIdentities: 10, subsetImages: 25, seed: seed)
        }
        let a = try make(3), b = try make(3), c = try make(4)
        #expect(a.training.count == 25)
        #expect(a.training.classes <= 10)
        #expect(Set(a.training.indices.map { src.labels[$0] }).count == a.training.classes)
        #expect(a.training.indices == b.training.indices && a.heldOutIdentities == b.heldOutIdentities)
        #expect(a.ranking?.isSame == b.ranking?.isSame)
        #expect(a.training.indices != c.training.indices || a.heldOutIdentities != c.heldOutIdentities)
        #expect(throws: (any Error).self) {
            try FaceSearchSplit(source: src, labels: src.labels, heldOutFraction: 0.1, rankingPairs: 40,
                                subsetIdentities: 1, subsetImages: nil, seed: 3)
        }
    }

    @Test func recordIOIdentityLabelsFromTheHeaderEqualEveryRecordsLabel() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("facenas-split-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try writeSyntheticDataset(SyntheticDatasetOptions(identities: 20, imagesPerIdentity: 4, size: 32, seed: 2), to: dir)
        let reader = try RecordIOReader(directory: dir + "/train")
        #expect(reader.identityKeys != nil)
        let fromHeader = try reader.identityLabels()
        let fromRecords = try (0..<reader.count).map { try reader.record(at: $0).label }
        #expect(fromHeader == fromRecords)
        #expect(Set(fromHeader).count == reader.classes)
    }
}
