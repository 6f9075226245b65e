/// A model file whose contents are readable but not an IResNet FaceNAS can hold: one line naming
/// the file, the first key or graph node that could not be placed, and what was expected.
public struct PretrainedError: Error, CustomStringConvertible {
    public let file: String
    public let message: String
    public init(file: String, _ message: String) { self.file = file; self.message = message }
    public var description: String { "\(file): \(message)" }
}
