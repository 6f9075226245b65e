import Datasets
import Detection
import Foundation
import ImageIO

/// `facenas detect --json`: every image's faces (boxes as x1 y1 x2 y2 in pixels, O-Net's score,
/// the five landmarks as [x, y]), then the images without a face and those that could not be read.
struct DetectionReport: Codable {
    struct Face: Codable {
        var name: String
        var box: [Double]
        var score: Double
        var landmarks: [[Double]]
    }
    struct Image: Codable {
        var path: String
        var width: Int
        var height: Int
        var faces: [Face]
    }
    var weights: String
    var minFace: Int
    var images: [Image] = []
    var noFace: [String] = []
    var unreadable: [String] = []

    enum CodingKeys: String, CodingKey {
        case weights, minFace = "min_face", images, noFace = "no_face", unreadable
    }
}

extension DetectionReport.Face {
    init(_ f: FaceDetection, name: String) {
        self.init(name: name, box: [f.x1, f.y1, f.x2, f.y2], score: f.score, landmarks: f.landmarks.map { [$0.x, $0.y] })
    }
}

/// One landmark-file line in the format `facenas align` reads: path then x1 y1 … x5 y5.
func landmarkLine(_ name: String, _ f: FaceDetection) -> String {
    name + " " + f.landmarks.map { String(format: "%.2f %.2f", $0.x, $0.y) }.joined(separator: " ")
}

/// The images named by --images: a folder (recursive), a list file, or one image file.
func detectionInputs(_ argument: String, allowOutside: Bool) throws -> ImageFileList {
    let ext = (argument as NSString).pathExtension.lowercased()
    var isDirectory: ObjCBool = false
    if ["jpg", "jpeg", "png"].contains(ext), FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory), !isDirectory.boolValue {
        return ImageFileList(name: argument, base: "", paths: [argument])
    }
    return try ImageFileList(argument: argument, allowOutside: allowOutside)
}
