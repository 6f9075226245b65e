import ImageIO

/// One face found in a photo and aligned to the recognition model's input.
public struct AlignedFace: Sendable {
    /// `photo.jpg#k`: the photo's listed path and the face's rank (0 = largest box).
    public var name: String
    public var detection: FaceDetection
    public var image: RGBImage
}

extension FaceDetector {
    /// Detects the faces of `image` (all, or the largest only) and aligns each with its five
    /// landmarks to size × size (the 112×112 ArcFace template, scaled for other sizes).
    public func alignedFaces(in image: RGBImage, name: String, size: Int = 112, allFaces: Bool = true) throws -> [AlignedFace] {
        let faces = detect(image)
        return try (allFaces ? faces : Array(faces.prefix(1))).enumerated().map { k, f in
            AlignedFace(name: "\(name)#\(k)", detection: f, image: try align(image: image, landmarks: f.landmarks, outputSize: size))
        }
    }
}
