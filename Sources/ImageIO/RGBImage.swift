/// An 8-bit RGB image, pixels interleaved row by row: the byte of channel `c` at column `x`, row `y`
/// is `pixels[(y * width + x) * 3 + c]`, with c = 0 red, 1 green, 2 blue. Every decoder converts to
/// this one layout so that later stages never branch on the source format.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    /// A black image.
    public init(width: Int, height: Int) {
        precondition(width >= 0 && height >= 0, "RGBImage: negative size \(width)x\(height)")
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
    }

    /// Wraps existing interleaved RGB bytes; `pixels.count` must be `width * height * 3`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height * 3,
                     "RGBImage: \(pixels.count) bytes for \(width)x\(height)x3")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The (r, g, b) of one pixel.
    public subscript(x: Int, y: Int) -> (UInt8, UInt8, UInt8) {
        get {
            let i = (y * width + x) * 3
            return (pixels[i], pixels[i + 1], pixels[i + 2])
        }
        set {
            let i = (y * width + x) * 3
            pixels[i] = newValue.0; pixels[i + 1] = newValue.1; pixels[i + 2] = newValue.2
        }
    }
}
