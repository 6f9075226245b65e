/// insightface's `arcface_dst`: where left eye, right eye, nose tip, left and right mouth corner
/// land in a 112×112 aligned face (pixel coordinates, reference §7).
public let arcFaceTemplate112: [Point2D] = [
    Point2D(x: 38.2946, y: 51.6963),
    Point2D(x: 73.5318, y: 51.5014),
    Point2D(x: 56.0252, y: 71.7366),
    Point2D(x: 41.5493, y: 92.3655),
    Point2D(x: 70.7299, y: 92.2041),
]

/// The 5-point template for an S×S output. insightface defines it for multiples of 112 (scaled by
/// S/112) and of 128 (scaled by S/128, then shifted right by 8·S/128 so the face stays centred in
/// the wider crop); other sizes have no reference definition and are refused.
public func alignmentTemplate(size: Int) throws -> [Point2D] {
    if size > 0, size % 112 == 0 {
        let k = Double(size) / 112
        return arcFaceTemplate112.map { Point2D(x: $0.x * k, y: $0.y * k) }
    }
    if size > 0, size % 128 == 0 {
        let k = Double(size) / 128
        return arcFaceTemplate112.map { Point2D(x: $0.x * k + 8 * k, y: $0.y * k) }
    }
    throw ImageIOError("alignment output size \(size) is not a multiple of 112 or 128 (the template is defined only for those)")
}

/// The transform `align` applies: the least-squares similarity from the five detected landmarks
/// (left eye, right eye, nose, left mouth, right mouth, image pixel coordinates) to the template.
public func alignmentTransform(landmarks: [Point2D], outputSize: Int = 112) throws -> AffineMatrix {
    guard landmarks.count == 5 else { throw ImageIOError("alignment needs 5 landmarks, got \(landmarks.count)") }
    guard landmarks.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else { throw ImageIOError("a landmark is not a finite number") }
    return try estimateSimilarity(from: landmarks, to: alignmentTemplate(size: outputSize))
}

/// The face cropped and rotated onto the standard template: an `outputSize`×`outputSize` image where
/// the landmarks fall on `alignmentTemplate(size: outputSize)`, pixels outside the source black
/// (insightface `norm_crop`: Umeyama estimate + `cv2.warpAffine`).
public func align(image: RGBImage, landmarks: [Point2D], outputSize: Int = 112) throws -> RGBImage {
    let m = try alignmentTransform(landmarks: landmarks, outputSize: outputSize)
    guard m.scale > 1e-9 else { throw ImageIOError("the landmarks give a degenerate (zero-scale) alignment") }
    return try image.warped(by: m, width: outputSize, height: outputSize)
}
