import Kernels
import NN
import Tensor

// The three MTCNN networks on FaceNAS's layers, forward only. Each returns the face probability
// (softmax channel 1, the "face" class) and the box regression, O-Net also the ten landmark
// coordinates (x1…x5 then y1…y5, relative to its 48×48 crop). Shapes are PyTorch's.

/// P-Net: fully convolutional, one 12×12 window per output cell (stride 2).
/// Shapes: x [1, 3, h, w] -> probability [1, 2, oh, ow] (softmax over channels), regression [1, 4, oh, ow].
final class PNet {
    private let block1: ConvPReLU, block2: ConvPReLU, block3: ConvPReLU
    private var pool = CeilMaxPool(kernel: 2, stride: 2)
    private let scoreHead: Conv2D, boxHead: Conv2D

    init(_ w: [String: Tensor], workspace: Workspace) {
        block1 = ConvPReLU(3, 10, kernel: 3, weights: w, conv: "conv1", prelu: "prelu1", workspace: workspace)
        block2 = ConvPReLU(10, 16, kernel: 3, weights: w, conv: "conv2", prelu: "prelu2", workspace: workspace)
        block3 = ConvPReLU(16, 32, kernel: 3, weights: w, conv: "conv3", prelu: "prelu3", workspace: workspace)
        scoreHead = pointwiseHead(32, 2, weights: w, name: "conv4_1", workspace: workspace)
        boxHead = pointwiseHead(32, 4, weights: w, name: "conv4_2", workspace: workspace)
    }

    func forward(_ x: Tensor) -> (probability: Tensor, regression: Tensor) {
        let f = block3.forward(block2.forward(pool.forward(block1.forward(x))))
        let p = scoreHead.forward(f, training: false)
        channelSoftmaxForward(p.data, batch: p.shape[0], channels: 2, spatial: p.shape[2] * p.shape[3], y: p.data)
        return (p, boxHead.forward(f, training: false))
    }
}

/// R-Net. Shapes: x [n, 3, 24, 24] -> probability [n, 2], regression [n, 4].
final class RNet {
    private let block1: ConvPReLU, block2: ConvPReLU, block3: ConvPReLU
    private var pool1 = CeilMaxPool(kernel: 3, stride: 2), pool2 = CeilMaxPool(kernel: 3, stride: 2)
    private let dense4: Linear, prelu4: PReLU, scoreHead: Linear, boxHead: Linear

    init(_ w: [String: Tensor], workspace: Workspace) {
        block1 = ConvPReLU(3, 28, kernel: 3, weights: w, conv: "conv1", prelu: "prelu1", workspace: workspace)
        block2 = ConvPReLU(28, 48, kernel: 3, weights: w, conv: "conv2", prelu: "prelu2", workspace: workspace)
        block3 = ConvPReLU(48, 64, kernel: 2, weights: w, conv: "conv3", prelu: "prelu3", workspace: workspace)
        dense4 = denseLayer(576, 128, weights: w, name: "dense4", channelsLastFrom: (64, 3, 3))
        prelu4 = PReLU(channels: 128)
        copy(w["prelu4.weight"]!, into: prelu4.alpha.value)
        scoreHead = denseLayer(128, 2, weights: w, name: "dense5_1")
        boxHead = denseLayer(128, 4, weights: w, name: "dense5_2")
    }

    func forward(_ x: Tensor) -> (probability: Tensor, regression: Tensor) {
        let f = block3.forward(pool2.forward(block2.forward(pool1.forward(block1.forward(x)))))
        let h = prelu4.forward(dense4.forward(f.reshaped([f.shape[0], 576]), training: false), training: false)
        let p = scoreHead.forward(h, training: false)
        channelSoftmaxForward(p.data, batch: p.shape[0], channels: 2, spatial: 1, y: p.data)
        return (p, boxHead.forward(h, training: false))
    }
}

/// O-Net. Shapes: x [n, 3, 48, 48] -> probability [n, 2], regression [n, 4], landmarks [n, 10].
final class ONet {
    private let block1: ConvPReLU, block2: ConvPReLU, block3: ConvPReLU, block4: ConvPReLU
    private var pool1 = CeilMaxPool(kernel: 3, stride: 2), pool2 = CeilMaxPool(kernel: 3, stride: 2)
    private var pool3 = CeilMaxPool(kernel: 2, stride: 2)
    private let dense5: Linear, prelu5: PReLU, scoreHead: Linear, boxHead: Linear, pointHead: Linear

    init(_ w: [String: Tensor], workspace: Workspace) {
        block1 = ConvPReLU(3, 32, kernel: 3, weights: w, conv: "conv1", prelu: "prelu1", workspace: workspace)
        block2 = ConvPReLU(32, 64, kernel: 3, weights: w, conv: "conv2", prelu: "prelu2", workspace: workspace)
        block3 = ConvPReLU(64, 64, kernel: 3, weights: w, conv: "conv3", prelu: "prelu3", workspace: workspace)
        block4 = ConvPReLU(64, 128, kernel: 2, weights: w, conv: "conv4", prelu: "prelu4", workspace: workspace)
        dense5 = denseLayer(1152, 256, weights: w, name: "dense5", channelsLastFrom: (128, 3, 3))
        prelu5 = PReLU(channels: 256)
        copy(w["prelu5.weight"]!, into: prelu5.alpha.value)
        scoreHead = denseLayer(256, 2, weights: w, name: "dense6_1")
        boxHead = denseLayer(256, 4, weights: w, name: "dense6_2")
        pointHead = denseLayer(256, 10, weights: w, name: "dense6_3")
    }

    func forward(_ x: Tensor) -> (probability: Tensor, regression: Tensor, landmarks: Tensor) {
        var f = pool1.forward(block1.forward(x))
        f = pool3.forward(block3.forward(pool2.forward(block2.forward(f))))
        f = block4.forward(f)
        let h = prelu5.forward(dense5.forward(f.reshaped([f.shape[0], 1152]), training: false), training: false)
        let p = scoreHead.forward(h, training: false)
        channelSoftmaxForward(p.data, batch: p.shape[0], channels: 2, spatial: 1, y: p.data)
        return (p, boxHead.forward(h, training: false), pointHead.forward(h, training: false))
    }
}

/// The three networks built from checked weights.
final class MTCNNNetworks {
    let pnet: PNet, rnet: RNet, onet: ONet

    init(_ weights: MTCNNWeights, source: String) throws {
        for net in MTCNNWeights.networks {
            try MTCNNLayout.check(weights.tensors[net] ?? [:], network: net, file: "\(source)/\(net).safetensors")
        }
        let workspace = Workspace()
        pnet = PNet(weights.tensors["pnet"]!, workspace: workspace)
        rnet = RNet(weights.tensors["rnet"]!, workspace: workspace)
        onet = ONet(weights.tensors["onet"]!, workspace: workspace)
    }
}
