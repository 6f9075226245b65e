import Foundation
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

    init(path: String) throws {
        let fd = open(path, O_RDONLY)
        if fd < 0 { throw DatasetError.io(file: path, reason: "cannot open (\(String(cString: strerror(errno))))") }
        var st = stat()
        if fstat(fd, &st) != 0 {
            close(fd)
            throw DatasetError.io(file: path, reason: "cannot stat (\(String(cString: strerror(errno))))")
        }
        self.path = path
        self.fd = fd
        self.size = Int(st.st_size)
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
