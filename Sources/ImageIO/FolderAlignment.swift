import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `alignFolder` did: how many images it wrote and, for each one it could not, the line
/// "relative/path: reason".
public struct FolderAlignmentSummary: Sendable {
    public var aligned: Int
    public var failures: [String]
}

/// Refuses an output folder that is the images folder, lies inside it or contains it: aligned
/// crops keep the inputs' relative paths, so any overlap lets an output replace an input (or be
/// read back as one). Both folders are compared by their real paths (links resolved); the output
/// folder need not exist yet.
public func checkAlignmentFolders(imagesFolder: String, outputFolder: String) throws {
    let input = FileSafety.prospectiveRealPath(imagesFolder), output = FileSafety.prospectiveRealPath(outputFolder)
    let relation: String?
    if input == output { relation = "is" }
    else if FileSafety.isWithin(output, input) { relation = "lies inside" }
    else if FileSafety.isWithin(input, output) { relation = "contains" }
    else { relation = nil }
    if let relation {
        throw ImageIOError("\(outputFolder): the output folder \(relation) the images folder \(imagesFolder) (\(output) vs \(input)); expected a separate folder, so that no input is overwritten")
    }
}

/// Aligns every image listed in `entries` (paths relative to `imagesFolder`) to `outputSize` and
/// writes it under `outputFolder` at the same relative path. JPEG inputs (.jpg/.jpeg) are written
/// as JPEG quality 95 and PNG as PNG; any other extension is replaced by .png so the file name never
/// lies about its content. A missing, unreadable or undecodable image, or an output that cannot be
/// written, is recorded in `failures` and the run continues. `progress(done)` is called after each image.
///
/// Inputs are never overwritten: folders that overlap (`checkAlignmentFolders`) align nothing and
/// give that one failure; an entry leading out of `imagesFolder` (`..`, an absolute path, a link)
/// is refused unless `allowOutside`, and even then its output stays inside `outputFolder`
/// (`alignedName`); each output is written to a new file renamed into place, and never onto a file
/// that is an input.
public func alignFolder(entries: [LandmarkEntry], imagesFolder: String, outputFolder: String, outputSize: Int = 112,
                        allowOutside: Bool = false, progress: (Int) -> Void = { _ in }) -> FolderAlignmentSummary {
    var summary = FolderAlignmentSummary(aligned: 0, failures: [])
    do { try checkAlignmentFolders(imagesFolder: imagesFolder, outputFolder: outputFolder) } catch {
        summary.failures.append("\(error)")
        return summary
    }
    let realInput = FileSafety.prospectiveRealPath(imagesFolder)
    for (i, entry) in entries.enumerated() {
        defer { progress(i + 1) }
        do {
            let source: String
            switch FileSafety.resolve(entry.path, base: imagesFolder, allowOutside: allowOutside) {
            case let .success(p): source = p
            case let .failure(e): throw ImageIOError("\(imagesFolder)/\(entry.path): refused: \(e.reason)")
            }
            let image = try readImageFile(source)
            let face: RGBImage
            do { face = try align(image: image, landmarks: entry.landmarks, outputSize: outputSize) } catch let e as ImageIOError {
                throw ImageIOError("\(source): \(e.message)")
            }
            let target = outputFolder + "/" + alignedName(entry.alignedPath)
            guard case .success = FileSafety.resolve(alignedName(entry.alignedPath), base: outputFolder, allowOutside: false) else {
                throw ImageIOError("\(target): refused: leads out of the output folder \(outputFolder) through a symbolic link")
            }
            let realTarget = FileSafety.prospectiveRealPath(target)
            if FileSafety.isWithin(realTarget, realInput) || sameFile(realTarget, source) {
                throw ImageIOError("\(target): refused: it is an input (\(realTarget)); inputs are never overwritten")
            }
            try writeImageFile(face, to: target)
            summary.aligned += 1
        } catch {
            summary.failures.append("\(error)")
        }
    }
    return summary
}

/// True when both paths name one existing file (the same inode, e.g. hard links).
private func sameFile(_ a: String, _ b: String) -> Bool {
    var sa = stat(), sb = stat()
    guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
}

/// The output's relative path: unchanged for .jpg/.jpeg/.png, otherwise with a .png extension.
/// A path that leaves its folder (allowed only on request) is kept inside the output folder: the
/// leading `/` is dropped and each `..` becomes `_parent_`.
public func alignedName(_ relativePath: String) -> String {
    var path = relativePath
    if FileSafety.lexicalEscape(path, folder: "") != nil {
        path = path.split(separator: "/").map { $0 == ".." ? "_parent_" : String($0) }.joined(separator: "/")
    }
    let ext = (path as NSString).pathExtension.lowercased()
    if ["jpg", "jpeg", "png"].contains(ext) { return path }
    return (path as NSString).deletingPathExtension + ".png"
}
