import Foundation
import Kernels

/// Which passes of a stride-1, pad-1 3×3 convolution run as Winograd F(2×2, 3×3).
public struct WinogradPasses: OptionSet, Sendable, Equatable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let forward = WinogradPasses(rawValue: 1)
    public static let inputGradient = WinogradPasses(rawValue: 2)
    public static let weightGradient = WinogradPasses(rawValue: 4)
    public static let all: WinogradPasses = [.forward, .inputGradient, .weightGradient]

    /// The default: every pass (measured in performance.md, "Winograd F(2×2,3×3)").
    public static let standard: WinogradPasses = .all

    /// `FACENAS_WINOGRAD` (for measuring both paths with one binary): `0`/`off`/`none` turns
    /// Winograd off, `all` or a comma list of `forward`, `dx`, `dw` picks the passes; unset or
    /// unrecognised gives `standard`.
    public static let configured: WinogradPasses = parse(getenv("FACENAS_WINOGRAD").map { String(cString: $0) })

    static func parse(_ s: String?) -> WinogradPasses {
        guard let s = s?.lowercased() else { return standard }
        switch s {
        case "0", "off", "none", "": return []
        case "1", "on", "all": return .all
        default:
            var p: WinogradPasses = []
            for item in s.split(separator: ",") {
                switch item.trimmingCharacters(in: .whitespaces) {
                case "forward", "fwd": p.insert(.forward)
                case "dx", "input": p.insert(.inputGradient)
                case "dw", "weight": p.insert(.weightGradient)
                default: return standard
                }
            }
            return p
        }
    }
}

/// How a Winograd convolution cuts a batch into units of 2×2 output tiles: an image with at
/// least `Policy.winogradTiles` tiles is cut into bands of whole tile rows of about that many
/// tiles (so a band's transformed input and products stay near the caches); smaller images are
/// put side by side, about that many tiles per unit, so that each of the 16 GEMMs is wide (a 7×7
/// plane has only 16 tiles). Workers take whole units.
struct WinogradTiling: Equatable {
    /// Images per unit (1 when images are cut into bands).
    let groupSize: Int
    /// Tile rows per band (all of an image's when grouped).
    let bandRows: Int
    /// Units the workers share.
    let units: Int
    /// Tiles of the widest unit (sizes the scratch).
    let tiles: Int
    /// Tile rows of an image.
    let tileRows: Int

    init(batch n: Int, height h: Int, width w: Int, policy: ConvTiling.Policy, workers: Int) {
        let (th, tw) = winogradTiles(height: h, width: w), perImage = max(th * tw, 1), target = max(policy.winogradTiles, 1)
        tileRows = th
        if perImage >= target || n <= 1 {
            groupSize = 1
            bandRows = max(1, min(th, target / max(tw, 1)))
            units = n
            tiles = bandRows * tw
        } else {
            (groupSize, units) = ConvTiling.groups(batch: n, perImage: perImage, target: target, workers: workers)
            bandRows = th
            tiles = groupSize * perImage
        }
    }
}
