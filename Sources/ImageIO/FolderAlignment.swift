import Foundation

/// What `alignFolder` did: how many images it wrote and, for each one it could not, the line
/// "relative/path: reason".
public struct FolderAlignmentSummary: Sendable {
    public var aligned: Int
    public var failures: [String]
}

/// Aligns every image listed in `entries` (paths relative to `imagesFolder`) to `outputSize` and
/// writes it under `outputFolder` at the same relative path. JPEG inputs (.jpg/.jpeg) are written
/// as JPEG quality 95 and PNG as PNG; any other extension is replaced by .png so the file name never
/// lies about its content. A missing, unreadable or undecodable image, or an output that cannot be
/// written, is recorded in `failures` and the run continues. `progress(done)` is called after each image.
public func alignFolder(entries: [LandmarkEntry], imagesFolder: String, outputFolder: String, outputSize: Int = 112,
                        progress: (Int) -> Void = { _ in }) -> FolderAlignmentSummary {
    var summary = FolderAlignmentSummary(aligned: 0, failures: [])
    for (i, entry) in entries.enumerated() {
        defer { progress(i + 1) }
        do {
            let image = try readImageFile(imagesFolder + "/" + entry.path)
            let face: RGBImage
            do { face = try align(image: image, landmarks: entry.landmarks, outputSize: outputSize) } catch let e as ImageIOError {
                throw ImageIOError("\(imagesFolder)/\(entry.path): \(e.message)")
            }
            try writeImageFile(face, to: outputFolder + "/" + alignedName(entry.path))
            summary.aligned += 1
        } catch {
            summary.failures.append("\(error)")
        }
    }
    return summary
}

/// The output's relative path: unchanged for .jpg/.jpeg/.png, otherwise with a .png extension.
public func alignedName(_ relativePath: String) -> String {
    let ext = (relativePath as NSString).pathExtension.lowercased()
    if ["jpg", "jpeg", "png"].contains(ext) { return relativePath }
    return (relativePath as NSString).deletingPathExtension + ".png"
}
