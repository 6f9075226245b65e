import Kernels
import NN
import Tensor

// Inference-only pieces the MTCNN networks add to FaceNAS's layers: max pooling in ceil mode and
// a softmax over channels. Neither has a backward pass because the detector is never trained
// here; they are plain structs over the kernels, not `Layer`s, so nothing can try to train them.

/// Max pooling without padding in PyTorch's ceil mode. Shapes: [n, c, h, w] -> [n, c, oh, ow].
struct CeilMaxPool {
    let kernel: Int, stride: Int
    private var out = Buffer()

    init(kernel: Int, stride: Int) { self.kernel = kernel; self.stride = stride }

    mutating func forward(_ x: Tensor) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let oh = maxPoolOutputSize(h, kernel: kernel, stride: stride, ceilMode: true)
        let ow = maxPoolOutputSize(w, kernel: kernel, stride: stride, ceilMode: true)
        let y = out.tensor([n, c, oh, ow])
        maxPoolForward(x.data, planes: n * c, height: h, width: w, kernel: kernel, stride: stride, ceilMode: true, y: y.data)
        return y
    }
}

/// A convolution without padding followed by PReLU, the unit all three networks repeat.
final class ConvPReLU {
    let conv: Conv2D
    let prelu: PReLU

    init(_ cin: Int, _ cout: Int, kernel: Int, weights: [String: Tensor], conv convName: String, prelu preluName: String,
         workspace: Workspace) {
        conv = Conv2D(cin, cout, kernel: kernel, stride: 1, padding: 0, bias: true, workspace: workspace)
        prelu = PReLU(channels: cout)
        copy(weights["\(convName).weight"]!, into: conv.weight.value)
        copy(weights["\(convName).bias"]!, into: conv.bias!.value)
        copy(weights["\(preluName).weight"]!, into: prelu.alpha.value)
    }

    func forward(_ x: Tensor) -> Tensor { prelu.forward(conv.forward(x, training: false), training: false) }
}

/// A 1×1 convolution head (P-Net's outputs) with its bias.
func pointwiseHead(_ cin: Int, _ cout: Int, weights: [String: Tensor], name: String, workspace: Workspace) -> Conv2D {
    let c = Conv2D(cin, cout, kernel: 1, stride: 1, padding: 0, bias: true, workspace: workspace)
    copy(weights["\(name).weight"]!, into: c.weight.value)
    copy(weights["\(name).bias"]!, into: c.bias!.value)
    return c
}

/// A linear layer from PyTorch's [out, in] weight. `channelsLastFrom` = (c, h, w) when PyTorch
/// flattened its input as [n, w, h, c] (facenet-pytorch permutes before R-Net's and O-Net's first
/// dense layer): the columns are reordered once here so FaceNAS can feed its NCHW tensor as is.
func denseLayer(_ fin: Int, _ fout: Int, weights: [String: Tensor], name: String, channelsLastFrom chw: (Int, Int, Int)? = nil) -> Linear {
    let l = Linear(fin, fout)
    let w = weights["\(name).weight"]!
    if let (c, h, wd) = chw {
        for o in 0..<fout {
            let src = w.data + o * fin, dst = l.weight.value.data + o * fin
            for ci in 0..<c { for y in 0..<h { for x in 0..<wd { dst[(ci * h + y) * wd + x] = src[(x * h + y) * c + ci] } } }
        }
    } else {
        copy(w, into: l.weight.value)
    }
    copy(weights["\(name).bias"]!, into: l.bias!.value)
    return l
}

func copy(_ source: Tensor, into destination: Tensor) {
    precondition(source.count == destination.count, "MTCNN weights: \(source.shape) into \(destination.shape)")
    destination.data.update(from: source.data, count: source.count)
}
