import Foundation
import ImageIO
import Testing
@testable import Detection

/// Acceptance 1: on the three real photos FaceNAS finds the faces facenet-pytorch's MTCNN finds:
/// same count, box IoU ≥ 0.95 and every landmark within 1.5 px, face by face in the same order.
@Suite struct PhotoParityTests {
    @Test(arguments: DetectionAssets.photoNames)
    func sameFacesAsFacenetPyTorch(_ name: String) throws {
        guard DetectionAssets.available(for: "MTCNN photo parity (\(name))", photos: true),
              let weights = DetectionAssets.weights else { return }
        let detector = try FaceDetector(weights: weights)
        let image = try readImageFile(DetectionAssets.photosFolder + "/" + name)
        let faces = detector.detect(image)
        let photos = DetectionAssets.reference["photos"] as? [String: Any]
        let photo = try #require(photos?[name] as? [String: Any])
        let reference = try #require(photo["faces"] as? [[String: Any]])
        #expect(image.width == photo["width"] as? Int && image.height == photo["height"] as? Int)
        #expect(faces.count == reference.count, "\(name): \(faces.count) faces, facenet-pytorch \(reference.count)")
        for (k, (face, ref)) in zip(faces, reference).enumerated() {
            let box = try #require(ref["box"] as? [Double])
            let r = FaceDetection(x1: box[0], y1: box[1], x2: box[2], y2: box[3], score: 0, landmarks: [])
            #expect(face.iou(r) >= 0.95, "\(name)#\(k): IoU \(face.iou(r))")
            let points = try #require(ref["landmarks"] as? [[Double]])
            for (p, q) in zip(face.landmarks, points) {
                let d = ((p.x - q[0]) * (p.x - q[0]) + (p.y - q[1]) * (p.y - q[1])).squareRoot()
                #expect(d <= 1.5, "\(name)#\(k): landmark off by \(d) px")
            }
            #expect(abs(face.score - (ref["score"] as? Double ?? -1)) < 1e-3)
        }
    }

    /// Acceptance 5 (library side): a photo without a face and a 1×1 image give no faces, no crash.
    @Test func blankAndTinyImagesHaveNoFaces() throws {
        guard DetectionAssets.available(for: "MTCNN on blank images"), let weights = DetectionAssets.weights else { return }
        let detector = try FaceDetector(weights: weights)
        var gray = RGBImage(width: 320, height: 240)
        for i in gray.pixels.indices { gray.pixels[i] = 128 }
        #expect(detector.detect(gray).isEmpty)
        #expect(detector.detect(RGBImage(width: 1, height: 1)).isEmpty)
        #expect(detector.detect(RGBImage(width: 11, height: 500)).isEmpty)
    }
}
