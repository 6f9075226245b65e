import Search

/// The two public IResNet layouts FaceNAS imports. They name their tensors differently and differ
/// in three details the architecture records: the shortcut of stage 1's first block, the
/// embedding BN's affine parameters, and the channel order of the input.
public enum IResNetLayout: String, CaseIterable, Sendable {
    /// insightface's iresnet (arcface_torch `backbone.pth`, the model zoo's ONNX files).
    case insightface
    /// AdaFace's IR (PyTorch Lightning `.ckpt`, keys under `model.`).
    case adaface

    /// AdaFace decodes with OpenCV and never converts, so its networks take BGR planes.
    public var bgr: Bool { self == .adaface }
    public var shortcut: IRShortcut { self == .adaface ? .pool : .conv }
    /// Dropout before the embedding linear in each project's network (training only).
    public var dropout: Float { self == .adaface ? 0.4 : 0 }
}
