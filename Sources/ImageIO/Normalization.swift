import Tensor

// Shapes: src H×W×3 interleaved UInt8 → dst 3×H×W Float (one image of an NCHW batch).
//
// Every face recipe in the reference normalises with mean 0.5 and std 0.5 after /255, i.e.
// v = (x/255 − 0.5)/0.5 = x/127.5 − 1 ∈ [−1, 1]. Channel planes are R, G, B unless `bgr` is set,
// which gives B, G, R for models trained on OpenCV-decoded images (AdaFace's checkpoints).
public func normalizeToPlanes(_ src: UnsafePointer<UInt8>, width: Int, height: Int, bgr: Bool,
                              into dst: UnsafeMutablePointer<Float>) {
    let plane = width * height
    for c in 0..<3 {
        let from = bgr ? 2 - c : c
        let out = dst + c * plane
        for i in 0..<plane { out[i] = Float(src[3 * i + from]) * (1 / 127.5) - 1 }
    }
}

extension RGBImage {
    /// Writes this image as 3×H×W normalised floats (see `normalizeToPlanes`).
    public func writeNormalized(into dst: UnsafeMutablePointer<Float>, bgr: Bool = false) {
        pixels.withUnsafeBufferPointer { normalizeToPlanes($0.baseAddress!, width: width, height: height, bgr: bgr, into: dst) }
    }

    /// This image as a [1, 3, H, W] tensor with values (x/255 − 0.5)/0.5, channels RGB (BGR if `bgr`).
    public func normalizedTensor(bgr: Bool = false) -> Tensor {
        let t = Tensor(zeros: [1, 3, height, width])
        writeNormalized(into: t.data, bgr: bgr)
        return t
    }
}

/// A batch of equally sized images as an [N, 3, H, W] tensor, normalised as `normalizeToPlanes`.
public func normalizedBatch(_ images: [RGBImage], bgr: Bool = false) throws -> Tensor {
    guard let first = images.first else { throw ImageIOError("cannot make a batch of no images") }
    for (i, im) in images.enumerated() where im.width != first.width || im.height != first.height {
        throw ImageIOError("batch image \(i) is \(im.width)x\(im.height), expected \(first.width)x\(first.height) like image 0")
    }
    let t = Tensor(zeros: [images.count, 3, first.height, first.width])
    let stride = 3 * first.height * first.width
    for (i, im) in images.enumerated() { im.writeNormalized(into: t.data + i * stride, bgr: bgr) }
    return t
}
