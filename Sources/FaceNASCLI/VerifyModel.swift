import ArgumentParser

/// `verify --model CKPT --bin FILE…`: embeddings computed by a checkpoint on insightface .bin sets.
/// To be completed with the embedding extractor; until then the form is declared and refused.
enum VerifyWithModel {
    static func run(model: String, bins: [String], json: String?, plot: String?) throws {
        throw ValidationError("--model is not available yet")
    }
}
