import Foundation

/// Writers of multi-file data sets build them in a sibling temporary folder and rename it into
/// place at the end, so a reader never sees half a data set.
enum FolderTransaction {
    /// Creates `<target>.partial-<pid>`; refuses a target that exists and is not an empty folder.
    static func begin(_ target: String) throws -> String {
        let fm = FileManager.default
        if fm.fileExists(atPath: target) {
            let contents = (try? fm.contentsOfDirectory(atPath: target)) ?? ["?"]
            guard DataFile.isDirectory(target), contents.isEmpty else {
                throw DatasetError.io(file: target, reason: "already exists and is not an empty folder (refusing to overwrite)")
            }
        }
        let temporary = target.hasSuffix("/") ? String(target.dropLast()) : target
        let path = "\(temporary).partial-\(getpid())"
        try? fm.removeItem(atPath: path)
        do { try fm.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw DatasetError.io(file: path, reason: "cannot create folder (\(error.localizedDescription))")
        }
        return path
    }

    static func commit(_ temporary: String, to target: String) throws {
        let fm = FileManager.default
        if DataFile.isDirectory(target) { try? fm.removeItem(atPath: target) }   // empty, checked in begin
        guard rename(temporary, target) == 0 else {
            throw DatasetError.io(file: target, reason: "cannot move \(temporary) into place (\(String(cString: strerror(errno))))")
        }
    }
}
