import ImageIO

/// One detected face: its box in image pixels (x1, y1, x2, y2, as MTCNN reports it after O-Net's
/// regression, not squared), O-Net's face probability, and the five landmarks in the order the
/// 112×112 ArcFace alignment expects (left eye, right eye, nose tip, left and right mouth corner,
/// "left" meaning the image's left).
public struct FaceDetection: Sendable, Equatable {
    public var x1: Double, y1: Double, x2: Double, y2: Double
    public var score: Double
    public var landmarks: [Point2D]

    public init(x1: Double, y1: Double, x2: Double, y2: Double, score: Double, landmarks: [Point2D]) {
        self.x1 = x1; self.y1 = y1; self.x2 = x2; self.y2 = y2; self.score = score; self.landmarks = landmarks
    }

    public var width: Double { x2 - x1 }
    public var height: Double { y2 - y1 }
    /// The box area as facenet-pytorch ranks faces when it selects the largest.
    public var area: Double { width * height }

    /// Intersection over union of two boxes (continuous coordinates).
    public func iou(_ other: FaceDetection) -> Double {
        let iw = max(0, min(x2, other.x2) - max(x1, other.x1)), ih = max(0, min(y2, other.y2) - max(y1, other.y1))
        let inter = iw * ih, union = area + other.area - inter
        return union > 0 ? inter / union : 0
    }
}
