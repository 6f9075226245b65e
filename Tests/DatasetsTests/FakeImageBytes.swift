import Foundation

/// A tiny JPEG-looking payload (SOI, a frame header giving `width`×`height`, EOI) whose bytes
/// differ per `seed`; decoding is not involved in these tests.
func fakeJPEG(_ seed: UInt64, width: Int = 112, height: Int = 112, extra: Int = 40) -> Data {
    var b: [UInt8] = [0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, UInt8(height >> 8), UInt8(height & 0xff),
                      UInt8(width >> 8), UInt8(width & 0xff), 1, 1, 0x11, 0]
    b += randomBytes(extra, seed: seed)
    b += [0xff, 0xd9]
    return Data(b)
}
