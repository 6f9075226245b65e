import NN
import Tensor

/// Gradient accumulation: one step on a batch of B rows run as `accumulate` micro-batches
/// (contiguous runs of near-equal size), so that only one micro-batch's activations are alive.
///
/// Each micro-batch's loss gradient is scaled by its rows / B (B over every rank when
/// data-parallel), so the summed gradient is that of the mean loss over the whole batch; then one
/// gradient sum over ranks, one clipping and one SGD step, as for a whole batch. Batch norm
/// normalises each micro-batch by its own statistics and updates its running statistics once per
/// micro-batch, as PyTorch does under accumulation.
///
/// A head with batch statistics (AdaFace) must see the whole batch before any micro-batch's loss,
/// which the network's activations cannot wait for: pass 1 runs every micro-batch's forward and
/// keeps only `statisticsValues` (AdaFace: n norms), the head updates its statistics once over all
/// B rows, and pass 2 reruns the forwards for the loss and backward. The forwards of pass 1 leave
/// no trace (`ForwardTrace`), so pass 2 sees the same masks and batch statistics and the running
/// statistics move once per micro-batch. The last micro-batch of pass 1 is also its pass 2 (its
/// activations are still there), so the extra cost is (N − 1)/N of a batch forward.
extension TrainingStep {
    func accumulatedStep(_ x: Tensor, labels: [Int32], lr: Double, epoch: Int, index: Int, globalStep: Int) throws -> Result {
        let rows = labels.count
        guard rows >= accumulate else {
            throw RunError("a batch of \(rows) rows cannot be split into --accumulate \(accumulate) micro-batches")
        }
        let parts = (0..<accumulate).map { Communicator.shard(of: rows, rank: $0, ranks: accumulate) }
        // Every rank needs B before its first backward; the other global figures come after.
        let batchRows = dataParallel.map { Int($0.communicator.sum([Double(rows)])[0]) } ?? rows
        var lossSum = 0.0, correct = 0
        func lossAndBackward(_ r: Range<Int>, features: Tensor, updatingStatistics: Bool) {
            let y = Array(labels[r])
            let loss = head.forward(features, labels: y, training: true, updatingStatistics: updatingStatistics)
            lossSum += loss * Double(r.count); correct += countCorrect(head.scores, labels: y)
            // A non-finite loss still runs backward: stopping here would leave other ranks in a
            // collective; the check below stops every rank before any weight moves.
            _ = network.backward(head.backward(scale: Float(r.count) / Float(batchRows)))
        }
        optimizer.zeroGradients()
        if head.keepsBatchStatistics {
            let before = ForwardTrace(of: network)
            var values: [Float] = []
            values.reserveCapacity(rows)
            for r in parts.dropLast() { values += head.statisticsValues(network.forward(micro(x, r), training: true)) }
            let last = parts[parts.count - 1]
            let lastFeatures = network.forward(micro(x, last), training: true)
            values += head.statisticsValues(lastFeatures)
            head.updateStatistics(values)
            lossAndBackward(last, features: lastFeatures, updatingStatistics: false)
            let after = ForwardTrace(of: network)
            before.restore()
            for r in parts.dropLast() {
                lossAndBackward(r, features: network.forward(micro(x, r), training: true), updatingStatistics: false)
            }
            after.restore()
        } else {
            for r in parts { lossAndBackward(r, features: network.forward(micro(x, r), training: true), updatingStatistics: true) }
        }
        var loss = lossSum / Double(rows), total = rows
        if let dp = dataParallel { (total, loss, correct, _) = dp.globalBatch(rows: rows, meanLoss: loss, correct: correct) }
        guard loss.isFinite else { throw TrainingError.nonFiniteLoss(epoch: epoch, step: index, loss: loss) }
        applyGradients(lr: lr, globalStep: globalStep)
        return Result(loss: loss, correct: correct, rows: total)
    }

    /// Rows `r` of `x` [n, …] in the step's micro-batch buffer (valid until the next call).
    private func micro(_ x: Tensor, _ r: Range<Int>) -> Tensor {
        let rowSize = x.count / max(x.shape[0], 1)
        let t = microInput.tensor([r.count] + x.shape.dropFirst())
        t.data.update(from: x.data + r.lowerBound * rowSize, count: r.count * rowSize)
        return t
    }
}
