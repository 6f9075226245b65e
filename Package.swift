// swift-tools-version:6.1
import PackageDescription
import Foundation

// Kernels are compiled for a concrete CPU so that SIMD multiply-adds become real FMA
// instructions (baseline x86-64 turns each lane into a libm call); override with
// FACENAS_TARGET_CPU=skylake-avx512 etc. `-O` also in debug: SIMD code is ~100x slower at -Onone.
let targetCPU = ProcessInfo.processInfo.environment["FACENAS_TARGET_CPU"] ?? "haswell"
let fastFlags: [SwiftSetting] = [
    .unsafeFlags(["-target-cpu", targetCPU]),
    .unsafeFlags(["-O"], .when(configuration: .debug)),
]
// The AVX-512 copies of the hot kernels: code that only runs once the CPU was found to have
// AVX-512 F/BW/VL/DQ (KernelPath), so the binary as a whole still runs on AVX2-only CPUs.
let avx512Flags: [SwiftSetting] = [
    .unsafeFlags(["-target-cpu", "skylake-avx512"]),
    .unsafeFlags(["-O"], .when(configuration: .debug)),
]

let package = Package(
    name: "FaceNAS",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "facenas", targets: ["FaceNASCLI"]),
        .library(name: "FaceNAS", targets: ["Tensor", "Kernels", "NN", "ImageIO", "Datasets", "Search", "Metrics", "Training",
                                            "Reports", "Export", "Throughput", "ModelFormats", "Pretrained",
                                            "Detection"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng16", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        .target(name: "Tensor", dependencies: ["CBLAS"], swiftSettings: fastFlags),
        // Bodies of the dispatched kernels, generic over the instruction set; specialised (and so
        // compiled) in Kernels for AVX2 and in KernelsAVX512 for AVX-512.
        .target(name: "KernelBodies", dependencies: ["Tensor"], swiftSettings: fastFlags),
        .target(name: "KernelsAVX512", dependencies: ["Tensor", "KernelBodies"], swiftSettings: avx512Flags),
        .target(name: "Kernels", dependencies: ["Tensor", "KernelBodies", "KernelsAVX512"], swiftSettings: fastFlags),
        .target(name: "NN", dependencies: ["Tensor", "Kernels"], swiftSettings: fastFlags),
        .target(name: "ImageIO", dependencies: ["Tensor", "CJPEG", "CPNG"], swiftSettings: fastFlags),
        .target(name: "Datasets", dependencies: ["Tensor", "CZlib", "ImageIO"], swiftSettings: fastFlags),
        // Spaces, strategy, journal and the scoring protocol; trains nothing itself.
        .target(name: "Search", dependencies: ["Tensor", "NN", "Datasets"]),
        // Embedding extraction, verification, identification, classification accuracy, evaluation protocols.
        .target(name: "Metrics", dependencies: ["Tensor", "NN", "ImageIO", "Datasets", "Search"]),
        // The one step loop and run lifecycle: classification and face runs, candidate trainers, data parallelism.
        .target(name: "Training", dependencies: ["Tensor", "NN", "ImageIO", "Datasets", "Search", "Metrics"]),
        // Markdown, JSON, HTML and SVG reports of runs, searches and evaluations.
        .target(name: "Reports", dependencies: ["Tensor", "NN", "ImageIO", "Datasets", "Search", "Metrics"]),
        // ONNX export of trained models.
        .target(name: "Export", dependencies: ["Tensor", "NN", "Datasets", "Search", "Metrics"]),
        // Other tools' model files, read without running them: PyTorch `torch.save` files (a restricted
        // pickle reader) and ONNX protobuf graphs.
        .target(name: "ModelFormats", dependencies: ["CZlib"], swiftSettings: fastFlags),
        // Pretrained IResNets (insightface, AdaFace) recognised in those files and turned into FaceNAS checkpoints.
        .target(name: "Pretrained", dependencies: ["Tensor", "NN", "Search", "Metrics", "ModelFormats"]),
        // Face detection with five landmarks (MTCNN: P-Net, R-Net, O-Net; inference only), its weights
        // converted from facenet-pytorch's `torch.save` files, and preview drawing.
        .target(name: "Detection", dependencies: ["Tensor", "Kernels", "NN", "ImageIO", "ModelFormats"], swiftSettings: fastFlags),
        // Throughput cases of `facenas bench`.
        .target(name: "Throughput", dependencies: ["Tensor", "Kernels", "NN", "ImageIO", "Datasets", "Search", "Training"]),
        .executableTarget(
            name: "FaceNASCLI",
            dependencies: [
                "Tensor", "Kernels", "NN", "ImageIO", "Datasets", "Search", "Metrics", "Training", "Reports", "Export", "Throughput",
                "ModelFormats", "Pretrained", "Detection",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Helpers shared by the test targets: the gradient checker and the interop Python runner.
        .target(name: "TestSupport", dependencies: ["Tensor", "NN"], path: "Tests/TestSupport"),

        .testTarget(name: "TensorTests", dependencies: ["Tensor"]),
        .testTarget(name: "KernelsTests", dependencies: ["Tensor", "Kernels"]),
        .testTarget(name: "NNTests", dependencies: ["TestSupport", "Tensor", "Kernels", "NN"]),
        .testTarget(name: "ImageIOTests", dependencies: ["Tensor", "ImageIO", "CJPEG", "CPNG"]),
        .testTarget(name: "DatasetsTests", dependencies: ["TestSupport", "Tensor", "ImageIO", "Datasets"]),
        .testTarget(name: "SearchTests", dependencies: ["TestSupport", "Tensor", "NN", "Search"], exclude: ["Fixtures"]),
        .testTarget(name: "MetricsTests", dependencies: ["TestSupport", "Tensor", "NN", "ImageIO", "Datasets", "Search", "Metrics"],
                    exclude: ["metrics_reference.py", "rank_reference.py", "Fixtures"]),
        .testTarget(name: "TrainingTests", dependencies: ["TestSupport", "Tensor", "NN", "ImageIO", "Datasets", "Search", "Metrics", "Training"]),
        .testTarget(name: "ExportTests", dependencies: ["TestSupport", "Tensor", "NN", "Search", "Metrics", "Export"]),
        .testTarget(name: "ModelFormatsTests", dependencies: ["TestSupport", "ModelFormats"], exclude: ["Fixtures"]),
        .testTarget(name: "PretrainedTests", dependencies: ["TestSupport", "Tensor", "NN", "ImageIO", "Search", "Metrics", "ModelFormats",
                                                            "Pretrained"], exclude: ["Fixtures"]),
        .testTarget(name: "DetectionTests", dependencies: ["TestSupport", "Tensor", "ImageIO", "ModelFormats", "Detection"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "CLITests", dependencies: ["TestSupport", "Tensor", "NN", "ImageIO", "Datasets", "Search", "Metrics", "Training",
                                                     "Reports", "Export"]),
    ]
)
