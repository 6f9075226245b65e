import Foundation
import ImageIO

extension VerificationBin {
    /// Decodes element `index` (pair `index / 2`); a broken image is one line naming the file and
    /// the element, so an evaluation can report exactly which pair it could not score.
    public func decodedImage(at index: Int, file: String) throws -> RGBImage {
        do { return try decodeImage([UInt8](images[index])) } catch {
            throw DatasetError.io(file: file, reason: "element \(index) (pair \(index / 2)): \(error)")
        }
    }
}
