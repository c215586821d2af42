// swift-tools-version:6.0
import PackageDescription

// Release builds target Haswell (AVX2/FMA): the element-wise kernels (activations,
// optimizer updates) vectorise only with it. Debug builds stay portable.
let fastMath: [SwiftSetting] = [
    .unsafeFlags(["-target-cpu", "haswell", "-Ounchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "unlearn",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "unlearn", targets: ["unlearn"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // System-library shims.
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),

        // Vectorisable element-wise kernels (restrict pointers); -fno-math-errno lets sqrtf become one instruction.
        .target(
            name: "CKernels",
            cSettings: [.unsafeFlags(["-O3", "-fno-math-errno", "-mavx2", "-mfma"])]
        ),
        // Matrices, models, optimizers, SISA plan, training loop, aggregation. No disk, SQL or HTTP.
        .target(name: "UnlearnCore", dependencies: ["COpenBLAS", "CKernels"], swiftSettings: fastMath),
        // Dataset import, encoders, row and checkpoint files, codec, atomic writes.
        .target(
            name: "UnlearnStore",
            dependencies: ["UnlearnCore", "CZstd", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: fastMath
        ),
        // The SQLite ledger: record index, requests, jobs, versions, audit chain.
        .target(
            name: "UnlearnLedger",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Orchestration: init, train, eval, predict, delete, retrain, verify, recover.
        .target(
            name: "Unlearner",
            dependencies: [
                "UnlearnCore", "UnlearnStore", "UnlearnLedger",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: fastMath
        ),
        .executableTarget(
            name: "unlearn",
            dependencies: ["Unlearner", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        .testTarget(name: "UnlearnCoreTests", dependencies: ["UnlearnCore"]),
        .testTarget(name: "UnlearnStoreTests", dependencies: ["UnlearnStore"]),
        .testTarget(name: "UnlearnLedgerTests", dependencies: ["UnlearnLedger"]),
        .testTarget(
            name: "UnlearnerTests",
            dependencies: [
                "Unlearner", "UnlearnStore", "UnlearnCore", "UnlearnLedger", "unlearn",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
