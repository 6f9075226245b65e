import Datasets
import ImageIO
import Tensor
import Testing

/// Data-parallel loading: the shards the ranks load of each global batch, put side by side, are
/// the batch one process loads (same images, same augmentation, same order), and no image is
/// loaded by two ranks.
@Suite struct ShardedLoaderTests {
    /// Rows of `batches` concatenated per batch index across ranks.
    static func joined(_ shards: [[Batch]]) -> [(indices: [Int], x: [Float])] {
        (0..<shards[0].count).map { b in
            (shards.flatMap { $0[b].indices }, shards.flatMap { $0[b].x.array })
        }
    }

    @Test(arguments: [2, 3]) func classificationShardsMakeTheGlobalBatch(ranks: Int) {
        let data = syntheticDataset(count: 250, seed: 8)
        let recipe = try! DatasetRecipe(kind: .fashionMNIST)
        func loader(_ shard: (Int, Int)?) -> BatchLoader {
            BatchLoader(dataset: data, batchSize: 64, shuffle: true, augment: true, recipe: recipe, seed: 3, epoch: 1,
                        shard: shard.map { (rank: $0.0, ranks: $0.1) })
        }
        let whole = Array(loader(nil))
        let shards = (0..<ranks).map { Array(loader(($0, ranks))) }
        #expect(shards.allSatisfy { $0.count == whole.count })
        // 250 = 3·64 + 58: the last global batch splits unevenly, 29/29 or 19/19/20.
        #expect(shards.map { $0.last!.count }.reduce(0, +) == 58)
        let joined = Self.joined(shards)
        for (b, w) in whole.enumerated() {
            #expect(joined[b].indices == w.indices)
            #expect(joined[b].x == w.x.array, "batch \(b): augmentation differs")
        }
    }

    @Test func aLastBatchTooSmallForEveryRankIsDroppedOnAllRanks() {
        let data = syntheticDataset(count: 129, seed: 9)   // 2·64 + 1
        let recipe = try! DatasetRecipe(kind: .fashionMNIST)
        let counts = (0..<2).map { r in
            Array(BatchLoader(dataset: data, batchSize: 64, shuffle: false, augment: false, recipe: recipe, seed: 0, epoch: 0,
                              shard: (rank: r, ranks: 2))).map(\.count)
        }
        #expect(counts == [[32, 32], [32, 32]])
    }

    @Test func faceShardsMakeTheGlobalBatchAndSkipWithoutBorrowing() throws {
        let src = try FaceBatchLoaderTests.source(40, corrupt: [5])
        var o = FaceBatchLoader.Options(batchSize: 8, imageSize: 32)
        o.augmenter = FaceAugmenter(config: .adaFace); o.seed = 2; o.epoch = 1; o.dropLast = true
        let whole = Array(FaceBatchLoader(source: src, options: o))
        let shards = (0..<2).map { r -> [Batch] in
            var s = o
            s.shard = FaceBatchLoader.Shard(rank: r, ranks: 2)
            return Array(FaceBatchLoader(source: src, options: s))
        }
        // One batch per global batch on every rank: 40 images, 5 global batches of 8.
        #expect(shards.map(\.count) == [5, 5])
        let joined = Self.joined(shards)
        let order = FaceBatchLoader(source: src, options: o).order
        for b in 0..<5 {
            let expected = order[(8 * b)..<(8 * b + 8)].filter { $0 != 5 }
            #expect(joined[b].indices == Array(expected))
        }
        // Batches before the corrupt image's are the single process's batches, pixel for pixel.
        let corruptBatch = order.firstIndex(of: 5)! / 8
        for b in 0..<corruptBatch { #expect(joined[b].x == whole[b].x.array && joined[b].indices == whole[b].indices) }
    }
}
