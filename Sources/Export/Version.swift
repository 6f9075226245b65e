/// The FaceNAS release: `facenas --version`, and the producer version of exported ONNX models.
public let faceNASVersion = "0.1.0"
