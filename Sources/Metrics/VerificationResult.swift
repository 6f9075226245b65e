/// One verification set's figures (accuracies as fractions); see `Verification` for the protocol.
public struct VerificationResult: Sendable {
    /// Mean TPR and FPR over the held-out folds at each accuracy-grid threshold.
    public struct ROC: Sendable {
        public var thresholds: [Double]
        public var tpr: [Double]
        public var fpr: [Double]
    }

    /// TAR at one target FAR; all nil when the set has too few different pairs for that FAR.
    public struct TARAtFAR: Sendable {
        public var far: Double
        /// Mean held-out TAR.
        public var tar: Double?
        /// Mean held-out FAR at the chosen thresholds.
        public var measuredFar: Double?
        /// Mean chosen threshold.
        public var threshold: Double?
    }

    public var pairs: Int
    public var samePairs: Int
    public var differentPairs: Int
    /// Mean held-out accuracy over the 10 folds.
    public var accuracy: Double
    /// Population standard deviation (ddof 0) of the fold accuracies.
    public var accuracyStd: Double
    /// Mean of the per-fold best thresholds (on Σ(e1−e2)²).
    public var threshold: Double
    public var foldAccuracies: [Double]
    public var foldThresholds: [Double]
    public var tarAtFarDetails: [TARAtFAR]
    public var roc: ROC

    /// TAR keyed by target FAR; nil where not reported.
    public var tarAtFar: [Double: Double?] {
        Dictionary(uniqueKeysWithValues: tarAtFarDetails.map { ($0.far, $0.tar) })
    }
}
