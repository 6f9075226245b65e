import Foundation

/// Learning rate as a function of training progress, evaluated once per epoch (plus a linear
/// warm-up that may ramp within the first epochs).
public struct LRSchedule: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable { case constant, cosine, step }

    public var kind: Kind
    public var baseLR: Double
    /// Cosine: the annealing period T in epochs (lr reaches 0 at epoch T).
    public var epochs: Int
    /// Cosine: 0 = PyTorch's scheduler stepped at the end of each epoch (epoch e runs at
    /// cos(πe/T)); 1 = stepped at the start, as the authors' code did (epoch e runs at cos(π(e+1)/T)).
    public var cosineShift: Int
    /// Step: epochs at which lr is multiplied by `gamma` (AdaFace: 12, 20, 24 and 0.1).
    public var milestones: [Int]
    public var gamma: Double
    /// Linear warm-up from 0 over this many epochs (fractional progress within them).
    public var warmupEpochs: Double

    public init(kind: Kind, baseLR: Double, epochs: Int = 1, cosineShift: Int = 0, milestones: [Int] = [],
                gamma: Double = 0.1, warmupEpochs: Double = 0) {
        self.kind = kind; self.baseLR = baseLR; self.epochs = epochs; self.cosineShift = cosineShift
        self.milestones = milestones; self.gamma = gamma; self.warmupEpochs = warmupEpochs
    }

    public static func cosine(_ lr: Double, epochs: Int, shift: Int = 0) -> LRSchedule {
        LRSchedule(kind: .cosine, baseLR: lr, epochs: epochs, cosineShift: shift)
    }

    public static func step(_ lr: Double, milestones: [Int], gamma: Double = 0.1) -> LRSchedule {
        LRSchedule(kind: .step, baseLR: lr, milestones: milestones, gamma: gamma)
    }

    /// lr for 0-based `epoch`, `progress` ∈ [0, 1) within it (used only by warm-up).
    public func lr(epoch: Int, progress: Double = 0) -> Double {
        var v: Double
        switch kind {
        case .constant: v = baseLR
        case .cosine:
            let t = Double(min(epoch + cosineShift, epochs))
            v = baseLR * (1 + cos(Double.pi * t / Double(max(epochs, 1)))) / 2
        case .step:
            v = baseLR * pow(gamma, Double(milestones.filter { epoch >= $0 }.count))
        }
        let at = Double(epoch) + progress
        if warmupEpochs > 0 && at < warmupEpochs { v *= at / warmupEpochs }
        return v
    }
}
