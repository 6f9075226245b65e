import ImageIO

/// A grid to look at: one row per person, `photos` standard aligned shots each, `size` pixels a
/// cell — the quickest check that the faces look like faces and the people stay recognisable.
public func syntheticContactSheet(_ generator: SyntheticFaceGenerator, identities: [Int], photos: Int, size: Int,
                                  shot: SyntheticShot = .standard) -> RGBImage {
    var sheet = RGBImage(width: photos * size, height: identities.count * size)
    for (row, id) in identities.enumerated() {
        for col in 0..<photos {
            let face = generator.render(identity: id, image: col, shot: shot, framing: .aligned(size: size)).image
            for y in 0..<size {
                let src = y * size * 3, dst = ((row * size + y) * sheet.width + col * size) * 3
                sheet.pixels.replaceSubrange(dst..<(dst + size * 3), with: face.pixels[src..<(src + size * 3)])
            }
        }
    }
    return sheet
}
