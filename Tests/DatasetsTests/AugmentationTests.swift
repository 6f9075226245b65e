import Testing
import Tensor
import Datasets

@Suite struct AugmentationTests {
    /// Straightforward reference: pad in uint8, crop, flip, normalise, cut out, one pixel at a time.
    private func naiveTrain(_ img: [UInt8], channels: Int, height: Int, width: Int, recipe: DatasetRecipe,
                            _ p: AugmentParams) -> [Float] {
        let pad = recipe.padding, s = recipe.cropSize
        let ph = height + 2 * pad, pw = width + 2 * pad
        var padded = [UInt8](repeating: 0, count: channels * ph * pw)
        for c in 0..<channels { for y in 0..<height { for x in 0..<width {
            padded[(c * ph + y + pad) * pw + x + pad] = img[(c * height + y) * width + x]
        } } }
        var out = [Float](repeating: 0, count: channels * s * s)
        for c in 0..<channels { for i in 0..<s { for j in 0..<s {
            let jj = p.flip ? s - 1 - j : j
            let v = padded[(c * ph + p.cropTop + i) * pw + p.cropLeft + jj]
            var f = (Float(v) / 255 - recipe.mean[c]) / recipe.std[c]
            let h = recipe.cutout / 2
            if recipe.cutout > 0 && i >= max(0, p.cutoutY - h) && i < min(s, p.cutoutY + h)
                && j >= max(0, p.cutoutX - h) && j < min(s, p.cutoutX + h) { f = 0 }
            out[(c * s + i) * s + j] = f
        } } }
        return out
    }

    private func run(_ a: Augmenter, _ img: [UInt8], _ p: AugmentParams) -> [Float] {
        var out = [Float](repeating: .nan, count: a.trainImageSize)
        img.withUnsafeBufferPointer { src in out.withUnsafeMutableBufferPointer { a.train(src.baseAddress!, params: p, into: $0.baseAddress!) } }
        return out
    }

    /// An image with no zero pixel, so padding is distinguishable from content.
    private func pattern(_ channels: Int, _ h: Int, _ w: Int) -> [UInt8] {
        (0..<(channels * h * w)).map { UInt8(1 + ($0 * 7) % 250) }
    }

    @Test func cropWithPaddingPlacesImageAtKnownOffset() throws {
        var recipe = try DatasetRecipe(kind: .mnist)
        recipe.cutout = 0
        let a = Augmenter(recipe: recipe, channels: 1, height: 28, width: 28)
        #expect((a.outHeight, a.outWidth) == (32, 32))
        let img = pattern(1, 28, 28)
        let zero = (0 - recipe.mean[0]) / recipe.std[0]
        func norm(_ v: UInt8) -> Float { (Float(v) / 255 - recipe.mean[0]) / recipe.std[0] }
        // Crop at the padded origin: the image starts at output (4, 4).
        let o = run(a, img, AugmentParams(cropTop: 0, cropLeft: 0, flip: false, cutoutY: 0, cutoutX: 0))
        for i in 0..<32 { for j in 0..<32 {
            let inside = i >= 4 && j >= 4
            #expect(o[i * 32 + j] == (inside ? norm(img[(i - 4) * 28 + j - 4]) : zero))
        } }
        // Crop at (8, 8): output (i, j) shows source (i + 4, j + 4); the last 4 rows/columns are padding.
        let o2 = run(a, img, AugmentParams(cropTop: 8, cropLeft: 8, flip: false, cutoutY: 0, cutoutX: 0))
        for i in 0..<32 { for j in 0..<32 {
            let inside = i < 24 && j < 24
            #expect(o2[i * 32 + j] == (inside ? norm(img[(i + 4) * 28 + j + 4]) : zero))
        } }
    }

    /// Parameters drawn from a seeded RNG in the documented order, applied, and compared with the
    /// naive reference fed by a second RNG with the same seed.
    @Test(arguments: [DataKind.fashionMNIST, .kmnist, .cifar10])
    func seededAugmentationMatchesNaive(kind: DataKind) throws {
        let recipe = try DatasetRecipe(kind: kind)
        let (c, side) = kind == .cifar10 ? (3, 32) : (1, 28)
        let a = Augmenter(recipe: recipe, channels: c, height: side, width: side)
        let img = randomBytes(c * side * side, seed: 11)
        var sawFlip = false, sawNoFlip = false
        for seed in UInt64(0)..<40 {
            var rng = RNG(seed: seed)
            let p = a.draw(&rng)
            var ref = RNG(seed: seed)
            let range = side + 8 - 32 + 1
            let top = ref.int(range), left = ref.int(range)
            let flip = recipe.flip ? ref.uniform() < 0.5 : false
            let cy = ref.int(32), cx = ref.int(32)
            #expect(p == AugmentParams(cropTop: top, cropLeft: left, flip: flip, cutoutY: cy, cutoutX: cx))
            #expect(run(a, img, p) == naiveTrain(img, channels: c, height: side, width: side, recipe: recipe, p))
            if p.flip { sawFlip = true } else { sawNoFlip = true }
        }
        #expect(sawNoFlip)
        #expect(sawFlip == recipe.flip)
    }

    @Test func flipMirrorsColumns() throws {
        var recipe = try DatasetRecipe(kind: .cifar10)
        recipe.cutout = 0
        let a = Augmenter(recipe: recipe, channels: 3, height: 32, width: 32)
        let img = pattern(3, 32, 32)
        for (t, l) in [(4, 4), (0, 7), (8, 1)] {
            let plain = run(a, img, AugmentParams(cropTop: t, cropLeft: l, flip: false, cutoutY: 0, cutoutX: 0))
            let flipped = run(a, img, AugmentParams(cropTop: t, cropLeft: l, flip: true, cutoutY: 0, cutoutX: 0))
            for c in 0..<3 { for i in 0..<32 { for j in 0..<32 {
                #expect(flipped[(c * 32 + i) * 32 + j] == plain[(c * 32 + i) * 32 + 31 - j])
            } } }
        }
    }

    /// Cutout zeroes exactly the 16×16 square around its centre, clipped at the borders, in every
    /// channel, and nothing else.
    @Test(arguments: [(2, 30), (16, 16), (0, 0), (31, 5)])
    func cutoutZeroesExactlyTheClippedSquare(cy: Int, cx: Int) throws {
        let recipe = try DatasetRecipe(kind: .cifar10)
        var noCut = recipe
        noCut.cutout = 0
        let img = pattern(3, 32, 32)
        let p = AugmentParams(cropTop: 3, cropLeft: 5, flip: true, cutoutY: cy, cutoutX: cx)
        let cut = run(Augmenter(recipe: recipe, channels: 3, height: 32, width: 32), img, p)
        let base = run(Augmenter(recipe: noCut, channels: 3, height: 32, width: 32), img, p)
        let rows = max(0, cy - 8)..<min(32, cy + 8), cols = max(0, cx - 8)..<min(32, cx + 8)
        var zeros = 0
        for c in 0..<3 { for i in 0..<32 { for j in 0..<32 {
            let k = (c * 32 + i) * 32 + j
            if rows.contains(i) && cols.contains(j) { #expect(cut[k] == 0); zeros += 1 } else { #expect(cut[k] == base[k]) }
        } } }
        #expect(zeros == 3 * rows.count * cols.count)
        #expect(base.allSatisfy { $0 != 0 })   // so every zero above came from Cutout
    }

    @Test func normalisationValues() throws {
        let fm = Augmenter(recipe: try DatasetRecipe(kind: .fashionMNIST), channels: 1, height: 2, width: 2)
        var out = [Float](repeating: .nan, count: 4)
        let img: [UInt8] = [0, 255, 128, 73]
        img.withUnsafeBufferPointer { s in out.withUnsafeMutableBufferPointer { fm.test(s.baseAddress!, into: $0.baseAddress!) } }
        // (v/255 − 0.2860402) / 0.3530236, computed independently with numpy float32
        let expected: [Float] = [-0.810258, 2.022414, 0.6116323, 0.00066379603]
        for k in 0..<4 { #expect(abs(out[k] - expected[k]) < 1e-6, "pixel \(img[k]): \(out[k])") }

        let c10 = try DatasetRecipe(kind: .cifar10)
        let t = c10.normalisationTable()
        let red255: Float = (1 - 0.49139968) / 0.24703233
        let green0: Float = -0.48215827 / 0.24348505
        let blue100: Float = (Float(100) / 255 - 0.44653124) / 0.26158768
        #expect(abs(t[0 * 256 + 255] - red255) < 1e-6)
        #expect(abs(t[1 * 256 + 0] - green0) < 1e-6)
        #expect(t[2 * 256 + 100] == blue100)
        let mn = try DatasetRecipe(kind: .mnist).normalisationTable()
        #expect(abs(mn[255] - 2.8214867) < 1e-6)   // (1 − 0.1307) / 0.3081
    }

    @Test func testTransformKeepsNativeSize() throws {
        let a = Augmenter(recipe: try DatasetRecipe(kind: .kmnist), channels: 1, height: 28, width: 28)
        #expect(a.testImageSize == 784)
        #expect(a.trainImageSize == 1024)
    }
}
