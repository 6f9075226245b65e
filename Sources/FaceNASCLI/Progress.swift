import Foundation
import NN
import Tensor
#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress bar on standard error: redrawn in place on a terminal, printed every 10%
/// otherwise (so logs stay readable).
final class ProgressBar {
    let label: String
    let total: Int
    private let isTTY = isatty(2) != 0
    private var lastDecile = -1
    private var lastDraw = Date.distantPast

    init(label: String, total: Int) { self.label = label; self.total = total }

    func update(_ done: Int, elapsed: Double, info: String) {
        guard Communicator.world.isRoot else { return }   // one bar per job, not per rank
        let frac = total > 0 ? Double(done) / Double(total) : 1
        let eta = done > 0 ? elapsed * Double(total - done) / Double(done) : 0
        let barWidth = 24, filled = Int(frac * Double(barWidth))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: barWidth - filled)
        let line = "\(label) [\(bar)] \(done)/\(total)  \(info)  \(Self.clock(elapsed)) ETA \(Self.clock(eta))"
        if isTTY {
            guard Date().timeIntervalSince(lastDraw) > 0.1 || done == total else { return }
            lastDraw = Date()
            write("\r\u{1B}[2K" + line + (done == total ? "\n" : ""))
        } else {
            let decile = Int(frac * 10)
            guard decile != lastDecile else { return }
            lastDecile = decile
            write(line + "\n")
        }
    }

    static func clock(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%d:%02d", t / 60, t % 60)
    }

    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
}

func printError(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }

extension ProgressBar {
    /// A training run's `onStep`: one bar per epoch with the running loss, accuracy, lr and speed.
    static func trainingSteps(epochs: Int) -> (StepReport) -> Void {
        var bar: ProgressBar?
        return { r in
            if r.step == 1 { bar = ProgressBar(label: "epoch \(r.epoch + 1)/\(epochs)", total: r.stepsInEpoch) }
            bar?.update(r.step, elapsed: r.elapsed, info: String(format: "loss %.4f acc %.2f%% lr %.5f %.0f img/s",
                                                                   r.runningLoss, 100 * r.runningAccuracy, r.lr, r.imagesPerSecond))
        }
    }
}
