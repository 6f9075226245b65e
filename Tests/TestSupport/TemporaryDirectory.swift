import Foundation

/// A fresh folder under the system's temporary directory, named for the test and this process.
public func temporaryDirectory(_ name: String) -> String {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("facenas-\(name)-\(getpid())").path
    try? FileManager.default.removeItem(atPath: d)
    try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}
