/// A one-line failure of the detector: missing or malformed weights, an unusable setting.
public struct DetectionError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
