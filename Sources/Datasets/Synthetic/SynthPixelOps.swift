import Foundation
import Tensor

// Shapes (all kernels here): canvas height×width×3 Float, RGB interleaved, values 0…255 (may
// overshoot before `quantizeCanvas`); bytes height×width×3 UInt8.

/// A plain wall whose colour drifts linearly along the diagonal, as a lit room does.
func fillBackground(_ canvas: UnsafeMutablePointer<Float>, width: Int, height: Int,
                    color: SIMD3<Float>, gradient: SIMD3<Float>) {
    let norm = 2 / Float(max(width + height - 2, 1))
    for y in 0..<height {
        for x in 0..<width {
            let t = Float(x + y) * norm - 1
            let p = canvas + (y * width + x) * 3
            p[0] = color.x + gradient.x * t
            p[1] = color.y + gradient.y * t
            p[2] = color.z + gradient.z * t
        }
    }
}

/// One directional light over the whole picture: the gain grows linearly along `direction` from
/// `centre`, `gradient` being the relative change over `radius` pixels; `gain` holds brightness
/// times the per-channel colour cast.
func applyLighting(_ canvas: UnsafeMutablePointer<Float>, width: Int, height: Int,
                   centre: SIMD2<Float>, direction: SIMD2<Float>, radius: Float, gradient: Float, gain: SIMD3<Float>) {
    let k = gradient / max(radius, 1)
    for y in 0..<height {
        let dy = (Float(y) - centre.y) * direction.y
        for x in 0..<width {
            let f = max(1 + k * ((Float(x) - centre.x) * direction.x + dy), 0.05)
            let p = canvas + (y * width + x) * 3
            p[0] *= f * gain.x
            p[1] *= f * gain.y
            p[2] *= f * gain.z
        }
    }
}

/// Separable Gaussian blur with a kernel cut at 3σ; edges repeat the border pixel (a lens does not
/// darken the frame's edge). `scratch` holds width×height×3 Floats.
func gaussianBlur(_ canvas: UnsafeMutablePointer<Float>, width: Int, height: Int, sigma: Float,
                  scratch: UnsafeMutablePointer<Float>) {
    let radius = max(Int((3 * sigma).rounded(.up)), 1)
    var weights = (-radius...radius).map { exp(-Float($0 * $0) / (2 * sigma * sigma)) }
    let total = weights.reduce(0, +)
    for i in weights.indices { weights[i] /= total }
    weights.withUnsafeBufferPointer { w in
        for y in 0..<height {
            for x in 0..<width {
                var r: Float = 0, g: Float = 0, b: Float = 0
                for k in -radius...radius {
                    let p = canvas + (y * width + min(max(x + k, 0), width - 1)) * 3
                    let wk = w[k + radius]
                    r += wk * p[0]; g += wk * p[1]; b += wk * p[2]
                }
                let o = scratch + (y * width + x) * 3
                o[0] = r; o[1] = g; o[2] = b
            }
        }
        for y in 0..<height {
            for x in 0..<width {
                var r: Float = 0, g: Float = 0, b: Float = 0
                for k in -radius...radius {
                    let p = scratch + (min(max(y + k, 0), height - 1) * width + x) * 3
                    let wk = w[k + radius]
                    r += wk * p[0]; g += wk * p[1]; b += wk * p[2]
                }
                let o = canvas + (y * width + x) * 3
                o[0] = r; o[1] = g; o[2] = b
            }
        }
    }
}

/// Rounds and clamps to bytes.
func quantizeCanvas(_ canvas: UnsafePointer<Float>, count: Int, _ bytes: UnsafeMutablePointer<UInt8>) {
    for i in 0..<count { bytes[i] = UInt8(min(max(canvas[i] + 0.5, 0), 255)) }
}

/// Sensor noise: each byte gets an independent zero-mean triangular deviate of standard deviation
/// `sigma` (two uniforms: cheap, bounded, close enough to Gaussian for a camera). The deviates come
/// from a SplitMix64 stream seeded by `rng`: one 64-bit draw gives both uniforms, several times
/// faster than two draws of the checkpointable generator.
func addSensorNoise(_ bytes: UnsafeMutablePointer<UInt8>, count: Int, sigma: Float, rng: inout RNG) {
    let scale = sigma * Float(6).squareRoot() / 4_294_967_296
    var state = rng.next()
    for i in 0..<count {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let u = Float(z >> 32) + Float(z & 0xFFFF_FFFF) - 4_294_967_296
        bytes[i] = UInt8(min(max(Float(bytes[i]) + u * scale + 0.5, 0), 255))
    }
}
