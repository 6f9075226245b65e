import Testing
import Tensor
import Datasets

@Suite struct BatchLoaderTests {
    let data = syntheticDataset(count: 1000, seed: 21)
    let recipe = try! DatasetRecipe(kind: .fashionMNIST)

    private func all(_ l: BatchLoader) -> [Batch] { Array(l) }

    @Test func sameSeedAndEpochGiveIdenticalBatches() {
        let a = all(BatchLoader(dataset: data, batchSize: 64, shuffle: true, augment: true, recipe: recipe, seed: 5, epoch: 3))
        let l = BatchLoader(dataset: data, batchSize: 64, shuffle: true, augment: true, recipe: recipe, seed: 5, epoch: 3, prefetch: 3)
        let b = all(l)
        #expect(a.count == b.count)
        for (x, y) in zip(a, b) {
            #expect(x.indices == y.indices)
            #expect(x.labels == y.labels)
            #expect(x.x.shape == y.x.shape)
            #expect(x.x.array == y.x.array)
        }
        // The synchronous path builds the same batches as the prefetch thread.
        for k in [0, 7, l.batchCount - 1] { #expect(l.batch(k).x.array == a[k].x.array) }
        #expect(l.peakQueued <= 3)
        // A different seed changes the augmentation of the same image order.
        let c = BatchLoader(dataset: data, batchSize: 64, shuffle: false, augment: true, recipe: recipe, seed: 6, epoch: 3)
        let d = BatchLoader(dataset: data, batchSize: 64, shuffle: false, augment: true, recipe: recipe, seed: 5, epoch: 3)
        #expect(c.batch(0).indices == d.batch(0).indices)
        #expect(c.batch(0).x.array != d.batch(0).x.array)
    }

    @Test func differentEpochGivesDifferentOrder() {
        let e0 = BatchLoader(dataset: data, batchSize: 64, shuffle: true, augment: false, recipe: recipe, seed: 5, epoch: 0)
        let e1 = BatchLoader(dataset: data, batchSize: 64, shuffle: true, augment: false, recipe: recipe, seed: 5, epoch: 1)
        #expect(e0.order != e1.order)
        #expect(e0.order.sorted() == e1.order.sorted())
        let again = BatchLoader(dataset: data, batchSize: 64, shuffle: true, augment: false, recipe: recipe, seed: 5, epoch: 1)
        #expect(again.order == e1.order)
    }

    @Test func everyIndexOncePerEpochLastPartialBatchKept() {
        let l = BatchLoader(dataset: data, batchSize: 64, shuffle: true, augment: true, recipe: recipe, seed: 1, epoch: 2)
        let batches = all(l)
        #expect(batches.count == 16)
        #expect(l.batchCount == 16)
        #expect(batches.dropLast().allSatisfy { $0.count == 64 })
        #expect(batches.last!.count == 1000 - 15 * 64)
        #expect(batches.last!.x.shape == [40, 1, 32, 32])
        let seen = batches.flatMap(\.indices)
        #expect(seen.sorted() == Array(0..<1000))
        #expect(seen == l.order)
        for b in batches { #expect(b.labels == b.indices.map { data.labels[$0] }) }

        let dropped = all(BatchLoader(dataset: data, batchSize: 64, shuffle: true, augment: true, recipe: recipe,
                                      seed: 1, epoch: 2, dropLast: true))
        #expect(dropped.count == 15)
        #expect(dropped.allSatisfy { $0.count == 64 })
    }

    @Test func evaluationKeepsOrderAndNativeSize() throws {
        let l = BatchLoader(dataset: data, batchSize: 300, shuffle: false, augment: false, recipe: recipe, seed: 0, epoch: 0)
        let batches = all(l)
        #expect(batches.map(\.count) == [300, 300, 300, 100])
        #expect(batches.flatMap(\.indices) == Array(0..<1000))
        #expect(batches[0].x.shape == [300, 1, 28, 28])
        // Image 1 of the first batch is dataset image 1, normalised.
        let table = recipe.normalisationTable()
        let img = Array(data.image(1))
        for k in 0..<784 { #expect(batches[0].x[784 + k] == table[Int(img[k])]) }
    }

    @Test func limitUsesAStratifiedSubset() {
        let l0 = BatchLoader(dataset: data, batchSize: 32, shuffle: true, augment: true, recipe: recipe, seed: 9, epoch: 0, limit: 100)
        let l1 = BatchLoader(dataset: data, batchSize: 32, shuffle: true, augment: true, recipe: recipe, seed: 9, epoch: 1, limit: 100)
        let b0 = all(l0), b1 = all(l1)
        #expect(b0.map(\.count) == [32, 32, 32, 4])
        let s0 = b0.flatMap(\.indices), s1 = b1.flatMap(\.indices)
        #expect(Set(s0).count == 100)
        #expect(s0.sorted() == s1.sorted())          // same subset every epoch
        #expect(s0 != s1)                            // in a new order
        var perClass = [Int](repeating: 0, count: 10)
        for i in s0 { perClass[Int(data.labels[i])] += 1 }
        #expect(perClass == [Int](repeating: 10, count: 10))
        // A limit at or above the size uses everything.
        #expect(BatchLoader(dataset: data, batchSize: 32, shuffle: false, augment: false, recipe: recipe, seed: 9, epoch: 0,
                            limit: 5000).imageCount == 1000)
    }

    @Test func stratifiedSubsetIsBalanced() {
        // Unbalanced labels: class c has 10 + 20c images.
        var labels: [Int32] = []
        for c in 0..<5 { labels += [Int32](repeating: Int32(c), count: 10 + 20 * c) }
        let s = BatchLoader.stratifiedSubset(labels: labels, classes: 5, count: 23, seed: 4)
        #expect(s.count == 23 && Set(s).count == 23 && s == s.sorted())
        var counts = [Int](repeating: 0, count: 5)
        for i in s { counts[Int(labels[i])] += 1 }
        #expect(counts.max()! - counts.min()! <= 1)
        #expect(counts.reduce(0, +) == 23)
        // Small classes run out (10 and 30 images); the others make up the difference evenly.
        let big = BatchLoader.stratifiedSubset(labels: labels, classes: 5, count: 150, seed: 4)
        var bc = [Int](repeating: 0, count: 5)
        for i in big { bc[Int(labels[i])] += 1 }
        #expect(bc[0] == 10 && bc[1] == 30)
        #expect(bc[2...].max()! - bc[2...].min()! <= 1)
        #expect(bc.reduce(0, +) == 150)
        // Seeded: same seed, same subset; another seed, another subset.
        #expect(BatchLoader.stratifiedSubset(labels: labels, classes: 5, count: 23, seed: 4) == s)
        #expect(BatchLoader.stratifiedSubset(labels: labels, classes: 5, count: 23, seed: 5) != s)
    }

    /// Dropping a loader mid-epoch stops its thread (no hang), and a fresh loader at the same
    /// epoch resumes with the same batches.
    @Test func abandonAndResume() {
        var first: [Int] = []
        do {
            let l = BatchLoader(dataset: data, batchSize: 10, shuffle: true, augment: true, recipe: recipe, seed: 2, epoch: 4)
            first = l.next()!.indices
        }
        let l2 = BatchLoader(dataset: data, batchSize: 10, shuffle: true, augment: true, recipe: recipe, seed: 2, epoch: 4)
        #expect(l2.next()!.indices == first)
        let empty = BatchLoader(dataset: data.subset([]), batchSize: 10, shuffle: true, augment: true, recipe: recipe, seed: 2, epoch: 0)
        #expect(empty.next() == nil)
    }
}
