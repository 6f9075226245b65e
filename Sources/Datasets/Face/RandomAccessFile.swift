import Foundation
import ImageIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only file read by positioned reads. RecordIO training sets reach tens of gigabytes, so
/// they are never loaded whole; `pread` keeps no shared position, so loader threads may share one.
final class RandomAccessFile: @unchecked Sendable {
    let path: String
    let size: Int
    private let fd: Int32

    /// Refuses anything but a regular file (a FIFO named `train.rec` would block the open).
    init(path: String) throws {
        switch FileSafety.openRegular(path) {
        case let .success(opened):
            self.path = path
            self.fd = opened.fd
            self.size = opened.size
        case let .failure(e):
            throw DatasetError.io(file: path, reason: e.reason)
        }
    }

    deinit { close(fd) }

    /// Up to `count` bytes from `offset`; fewer only at the end of the file.
    func read(at offset: Int, count: Int) throws -> [UInt8] {
        let n = max(0, min(count, size - offset))
        var failure: String?
        let bytes = [UInt8](unsafeUninitializedCapacity: n) { buf, initialised in
            var done = 0
            while done < n {
                let r = pread(fd, buf.baseAddress! + done, n - done, off_t(offset + done))
                if r < 0 {
                    if errno == EINTR { continue }
                    failure = "read failed at byte \(offset + done) (\(String(cString: strerror(errno))))"
                    break
                }
                if r == 0 { break }
                done += r
            }
            initialised = done
        }
        if let failure { throw DatasetError.io(file: path, reason: failure) }
        return bytes
    }
}
