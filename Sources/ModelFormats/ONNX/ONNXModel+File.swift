import Foundation

extension ONNXModel {
    /// protobuf's own limit on a message; weights beyond it must be external data.
    static let maximumFileSize = 1 << 31

    /// The whole file in one array, read straight into it: `Data` and then `[UInt8]` would hold a
    /// 600 MB model twice while copying.
    static func readWholeFile(_ path: String) throws -> [UInt8] {
        func failure(_ what: String) -> ModelFormatError {
            ModelFormatError(file: path, "\(what): \(String(cString: strerror(errno)))")
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw failure("cannot open") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure("cannot stat") }
        // A FIFO or device would block or never end; a model is a regular file.
        guard info.st_mode & S_IFMT == S_IFREG else { throw ModelFormatError(file: path, "is not a regular file") }
        let size = Int(info.st_size)
        guard size <= maximumFileSize else {
            throw ModelFormatError(file: path, "is \(size) bytes, more than the 2 GiB a self-contained ONNX file can hold")
        }
        guard size > 0 else { return [] }
        var problem: ModelFormatError?
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var done = 0
            while done < size, let base = buffer.baseAddress {
                let n = Foundation.read(fd, base + done, size - done)
                if n < 0 && errno == EINTR { continue }
                if n < 0 { problem = failure("cannot read"); break }
                if n == 0 { problem = ModelFormatError(file: path, "ended after \(done) of \(size) bytes while being read"); break }
                done += n
            }
            initialized = done
        }
        if let problem { throw problem }
        return bytes
    }
}
