import Tensor

/// How a training run is driven, whatever it trains: where its files go, whether it continues
/// from them, when it stops, and which job it belongs to.
public struct RunControl: Sendable {
    /// Folder for `checkpoint.safetensors` and `metrics.json` (nil: nothing written).
    public var outputDirectory: String?
    /// Continue from the checkpoint in `outputDirectory` when there is one.
    public var resume = false
    /// Stop (cleanly, with a checkpoint) after this many epochs of this invocation.
    public var stopAfterEpochs: Int?
    /// The job this process is a rank of: `.single`, MPI's world, or an in-process rank.
    public var communicator: Communicator = .single
    /// Data-parallel runs: synchronised batch norm, and a check that the ranks' weights agree
    /// after every step.
    public var syncBatchNorm = false
    public var verifyReplicas = false

    public init(outputDirectory: String? = nil) { self.outputDirectory = outputDirectory }
}

/// A setting a resumed run must share with the run that wrote the checkpoint, named as its flag.
public struct RunSetting: Codable, Equatable, Sendable {
    public var flag: String
    public var value: String
    public init(_ flag: String, _ value: String) { self.flag = flag; self.value = value }

    /// The face run's ArcFace gradient (`ArcFaceGradient.rawValue`), recorded after its "loss".
    public static let arcFaceGradientFlag = "--arcface-gradient"
}
