import ImageIO
import Tensor
import Testing

@Suite struct AugmentationTests {
    @Test func flipMirrorsEveryRowExactly() {
        let im = noiseImage(width: 7, height: 4, seed: 1)
        let f = im.flippedHorizontally()
        for y in 0..<4 { for x in 0..<7 { #expect(f[x, y] == im[6 - x, y]) } }
        #expect(f.flippedHorizontally() == im)
    }

    /// Over 20,000 draws each augmentation fires at its configured rate (4.5 standard deviations:
    /// ±0.013 at p = 0.2, ±0.016 at p = 0.5), including non-default rates.
    @Test(arguments: [FaceAugmentationConfig.adaFace, custom(crop: 0.6, lowResolution: 0.05, photometric: 0.9, flip: 0.1)])
    func applicationFrequenciesMatchProbabilities(config: FaceAugmentationConfig) {
        let aug = FaceAugmenter(config: config)
        var rng = RNG(seed: 42)
        let n = 20_000
        var counts = [0, 0, 0, 0]
        for _ in 0..<n {
            let d = aug.draw(width: 112, height: 112, rng: &rng)
            if d.crop != nil { counts[0] += 1 }
            if d.lowResolution != nil { counts[1] += 1 }
            if d.colorJitter != nil { counts[2] += 1 }
            if d.flip { counts[3] += 1 }
        }
        let ps = [config.cropProbability, config.lowResolutionProbability, config.photometricProbability, config.flipProbability]
        for (count, p) in zip(counts, ps) {
            let rate = Double(count) / Double(n), sd = (Double(p) * Double(1 - p) / Double(n)).squareRoot()
            #expect(abs(rate - Double(p)) < 4.5 * sd + 1e-9, "rate \(rate) for p = \(p)")
        }
    }

    /// Drawn parameters stay in the recipe's ranges: crop area fraction in [0.2, 1] and aspect ratio
    /// in [3/4, 4/3] (up to rounding to whole pixels), low-res side int(U(0.2, 1)·112), jitter factors
    /// in [0.5, 1.5] with each of the three steps exactly once.
    @Test func drawnParametersStayInRange() {
        let aug = FaceAugmenter(config: custom(crop: 1, lowResolution: 1, photometric: 1, flip: 0.5))
        var rng = RNG(seed: 3)
        var sides = Set<Int>(), orders = Set<String>()
        for _ in 0..<3000 {
            let d = aug.draw(width: 112, height: 112, rng: &rng)
            let r = d.crop!
            #expect(r.x >= 0 && r.y >= 0 && r.x + r.width <= 112 && r.y + r.height <= 112)
            let area = Double(r.width * r.height) / (112 * 112), ratio = Double(r.width) / Double(r.height)
            #expect(area > 0.19 && area <= 1 && ratio > 0.72 && ratio < 1.39, "\(r)")
            let low = d.lowResolution!
            #expect(low.side >= 22 && low.side <= 112)
            sides.insert(low.side)
            let steps = d.colorJitter!
            #expect(steps.count == 3)
            var kinds = ""
            for s in steps {
                switch s {
                case .brightness(let f): kinds += "b"; #expect(f >= 0.5 && f <= 1.5)
                case .contrast(let f): kinds += "c"; #expect(f >= 0.5 && f <= 1.5)
                case .saturation(let f): kinds += "s"; #expect(f >= 0.5 && f <= 1.5)
                }
            }
            #expect(kinds.sorted() == ["b", "c", "s"])
            orders.insert(kinds)
        }
        #expect(orders.count == 6)
        #expect(sides.count > 60)
    }

    @Test func cropKeepsTheRectangleInPlaceOnBlack() {
        let im = noiseImage(width: 30, height: 20, seed: 8).pixels.map { max($0, 1) }
        let src = RGBImage(width: 30, height: 20, pixels: im)
        let rect = PixelRect(x: 5, y: 3, width: 12, height: 9)
        let out = FaceAugmenter().apply(FaceAugmentationDraw(crop: rect), to: src)
        for y in 0..<20 {
            for x in 0..<30 {
                let inside = x >= 5 && x < 17 && y >= 3 && y < 12
                #expect(out[x, y] == (inside ? src[x, y] : (0, 0, 0)))
            }
        }
    }

    @Test func lowResolutionKeepsSizeAndLosesDetail() {
        let src = noiseImage(width: 112, height: 112, seed: 6)
        let aug = FaceAugmenter()
        let same = aug.apply(FaceAugmentationDraw(lowResolution: (112, .bilinear, .bilinear)), to: src)
        #expect(same == src)
        let low = aug.apply(FaceAugmentationDraw(lowResolution: (22, .area, .bicubic)), to: src)
        #expect(low.width == 112 && low.height == 112)
        // Noise averaged over ~5×5 blocks: neighbouring pixels become strongly correlated.
        let step = { (im: RGBImage) in (0..<111).map { abs(Int(im.pixels[$0 * 3]) - Int(im.pixels[$0 * 3 + 3])) }.reduce(0, +) }
        #expect(step(low) * 4 < step(src))
    }

    @Test func colorJitterFactors() {
        let src = smoothImage(width: 16, height: 16)
        let aug = FaceAugmenter()
        let identity: [ColorAdjustment] = [.brightness(1), .contrast(1), .saturation(1)]
        #expect(aug.apply(FaceAugmentationDraw(colorJitter: identity), to: src) == src)
        let dark = aug.apply(FaceAugmentationDraw(colorJitter: [.brightness(0.5)]), to: src)
        #expect(zip(dark.pixels, src.pixels).allSatisfy { Int($0) == Int((Float($1) * 0.5).rounded(.toNearestOrAwayFromZero)) })
        let gray = aug.apply(FaceAugmentationDraw(colorJitter: [.saturation(0)]), to: src)
        for y in 0..<16 {
            for x in 0..<16 {
                let (r, g, b) = gray[x, y]
                #expect(r == g && g == b)
            }
        }
        let flat = aug.apply(FaceAugmentationDraw(colorJitter: [.contrast(0)]), to: src)
        #expect(Set(flat.pixels).count == 1)
    }

    @Test func sameSeedSameResultOtherSeedOtherResult() {
        let src = smoothImage(width: 112, height: 112)
        let aug = FaceAugmenter(config: custom(crop: 0.5, lowResolution: 0.5, photometric: 0.5, flip: 0.5))
        let run = { (seed: UInt64) -> ([FaceAugmentationDraw], [RGBImage]) in
            var rng = RNG(seed: seed)
            var draws: [FaceAugmentationDraw] = [], images: [RGBImage] = []
            for _ in 0..<12 {
                let d = aug.draw(width: 112, height: 112, rng: &rng)
                draws.append(d); images.append(aug.apply(d, to: src))
            }
            return (draws, images)
        }
        let a = run(7), b = run(7), c = run(8)
        #expect(a.0 == b.0 && a.1 == b.1)
        #expect(a.0 != c.0)
        var rng1 = RNG(seed: 99), rng2 = RNG(seed: 99)
        #expect(aug.augment(src, rng: &rng1) == aug.augment(src, rng: &rng2))
    }

    @Test func normalisationValuesAndChannelOrder() throws {
        let im = RGBImage(width: 2, height: 1, pixels: [0, 255, 51, 127, 128, 255])
        let rgb = im.normalizedTensor()
        #expect(rgb.shape == [1, 3, 1, 2])
        let expected: [Float] = [-1, 127 / 127.5 - 1, 1, 128 / 127.5 - 1, 51 / 127.5 - 1, 1]
        for (g, e) in zip(rgb.array, expected) { #expect(abs(g - e) < 1e-6) }
        let bgr: [Float] = im.normalizedTensor(bgr: true).array, planes: [Float] = rgb.array
        let swapped: [Float] = Array(planes[4..<6]) + Array(planes[2..<4]) + Array(planes[0..<2])
        #expect(bgr == swapped)
        let batch = try normalizedBatch([im, im.flippedHorizontally()])
        #expect(batch.shape == [2, 3, 1, 2])
        #expect(batch.array[6] == rgb.array[1] && batch.array[7] == rgb.array[0])
        #expect(throws: ImageIOError.self) { try normalizedBatch([im, RGBImage(width: 1, height: 1)]) }
    }
}

func custom(crop: Float, lowResolution: Float, photometric: Float, flip: Float) -> FaceAugmentationConfig {
    var c = FaceAugmentationConfig.adaFace
    c.cropProbability = crop
    c.lowResolutionProbability = lowResolution
    c.photometricProbability = photometric
    c.flipProbability = flip
    return c
}
