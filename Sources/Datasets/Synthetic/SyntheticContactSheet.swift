import ImageIO

/// A grid to look at: one row per person, one column per entry of `shots` (column c shows photo c
/// taken as `shots[c]`), `size` pixels a cell — the quickest check that the faces look like faces
/// and the people stay recognisable across photos.
public func syntheticContactSheet(_ generator: SyntheticFaceGenerator, identities: [Int], shots: [SyntheticShot],
                                  size: Int) -> RGBImage {
    var sheet = RGBImage(width: shots.count * size, height: identities.count * size)
    for (row, id) in identities.enumerated() {
        for (col, shot) in shots.enumerated() {
            let face = generator.render(identity: id, image: col, shot: shot, framing: .aligned(size: size)).image
            for y in 0..<size {
                let src = y * size * 3, dst = ((row * size + y) * sheet.width + col * size) * 3
                sheet.pixels.replaceSubrange(dst..<(dst + size * 3), with: face.pixels[src..<(src + size * 3)])
            }
        }
    }
    return sheet
}
