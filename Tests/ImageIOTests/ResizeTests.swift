import Foundation
import ImageIO
import Testing

/// Bilinear with half-pixel centres written the way PyTorch's upsample_bilinear2d(align_corners=False)
/// states it — negative source coordinates clamped to 0, the right/bottom neighbour clamped to the
/// last index — and evaluated directly in 2-D in Double, independent of the library's separable
/// tap tables.
private func naiveBilinear(_ im: RGBImage, width: Int, height: Int) -> RGBImage {
    var out = RGBImage(width: width, height: height)
    for oy in 0..<height {
        for ox in 0..<width {
            let sx = max(0, (Double(ox) + 0.5) * Double(im.width) / Double(width) - 0.5)
            let sy = max(0, (Double(oy) + 0.5) * Double(im.height) / Double(height) - 0.5)
            let x0 = min(Int(sx), im.width - 1), y0 = min(Int(sy), im.height - 1)
            let x1 = min(x0 + 1, im.width - 1), y1 = min(y0 + 1, im.height - 1)
            let lx = sx - Double(x0), ly = sy - Double(y0)
            var v = [Double](repeating: 0, count: 3)
            for c in 0..<3 {
                let p = { (x: Int, y: Int) in Double(im.pixels[(y * im.width + x) * 3 + c]) }
                v[c] = (1 - ly) * ((1 - lx) * p(x0, y0) + lx * p(x1, y0)) + ly * ((1 - lx) * p(x0, y1) + lx * p(x1, y1))
            }
            out[ox, oy] = (UInt8(v[0] + 0.5), UInt8(v[1] + 0.5), UInt8(v[2] + 0.5))
        }
    }
    return out
}

@Suite struct ResizeTests {
    /// Up, down, non-integer and anisotropic factors. Float vs Double rounding may differ by one
    /// level on values that land on .5; nothing may differ by more.
    @Test(arguments: [(40, 30, 112, 112), (112, 112, 22, 22), (112, 112, 37, 53), (17, 9, 50, 21), (5, 5, 1, 1)])
    func bilinearMatchesNaiveReference(sizes: (Int, Int, Int, Int)) {
        let im = noiseImage(width: sizes.0, height: sizes.1, seed: 11)
        let got = im.resized(width: sizes.2, height: sizes.3, filter: .bilinear)
        let want = naiveBilinear(im, width: sizes.2, height: sizes.3)
        let diffs = zip(got.pixels, want.pixels).map { abs(Int($0) - Int($1)) }
        #expect(diffs.max()! <= 1)
        #expect(Double(diffs.filter { $0 > 0 }.count) / Double(diffs.count) < 0.01, "\(diffs.filter { $0 > 0 }.count) of \(diffs.count) values differ by 1")
    }

    /// Exact values: a 2-pixel row upsampled ×2 samples at −0.25, 0.25, 0.75, 1.25 → 0, 25%, 75%, 100%.
    @Test func bilinearUpsampleKnownValues() {
        let im = RGBImage(width: 2, height: 1, pixels: [0, 0, 0, 200, 100, 40])
        let up = im.resized(width: 4, height: 1)
        #expect(up.pixels == [0, 0, 0, 50, 25, 10, 150, 75, 30, 200, 100, 40])
    }

    @Test func areaDownscaleByIntegerFactorIsBlockMean() {
        let im = noiseImage(width: 12, height: 9, seed: 5)
        let small = im.resized(width: 4, height: 3, filter: .area)
        for y in 0..<3 {
            for x in 0..<4 {
                for c in 0..<3 {
                    var s = 0
                    for dy in 0..<3 { for dx in 0..<3 { s += Int(im.pixels[((3 * y + dy) * 12 + 3 * x + dx) * 3 + c]) } }
                    #expect(abs(Int(small.pixels[(y * 4 + x) * 3 + c]) - Int((Double(s) / 9).rounded())) <= 0)
                }
            }
        }
    }

    @Test func nearestPicksFloorOfScaledIndex() {
        let im = noiseImage(width: 10, height: 7, seed: 9)
        let out = im.resized(width: 4, height: 3, filter: .nearest)
        for y in 0..<3 { for x in 0..<4 { #expect(out[x, y] == im[x * 10 / 4, y * 7 / 3]) } }
    }

    /// Every filter is the identity at scale 1 and keeps a flat image flat (weights sum to one).
    @Test(arguments: ResizeFilter.allCases)
    func filtersPreserveFlatImagesAndIdentity(filter: ResizeFilter) {
        let im = noiseImage(width: 9, height: 6, seed: 2)
        #expect(im.resized(width: 9, height: 6, filter: filter) == im)
        let flat = RGBImage(width: 13, height: 11, pixels: [UInt8]((0..<13 * 11).flatMap { _ in [UInt8(37), 140, 251] }))
        for (w, h) in [(5, 4), (29, 23)] {
            let out = flat.resized(width: w, height: h, filter: filter)
            #expect(out.pixels == [UInt8]((0..<w * h).flatMap { _ in [UInt8(37), 140, 251] }), "\(filter) \(w)x\(h)")
        }
    }
}
