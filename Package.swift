// swift-tools-version:6.0
import PackageDescription

// Fast math only where no untrusted input is parsed: the numeric kernels. Release builds there
// drop bounds and overflow checks (-Ounchecked) and, on x86-64, target Haswell (AVX2/FMA), which
// the element-wise kernels (activations, optimizer updates) need to vectorise. Importers, file
// decoding and the ledger keep every check. Elsewhere (arm64) the CPU flags are left out.
#if arch(x86_64)
let cpuFlags = ["-target-cpu", "haswell"]
let cpuCFlags = ["-mavx2", "-mfma"]
#else
let cpuFlags: [String] = []
let cpuCFlags: [String] = []
#endif
let numericKernels: [SwiftSetting] = [
    .unsafeFlags(cpuFlags + ["-Ounchecked"], .when(configuration: .release)),
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
        // The service (UnlearnServer only).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Outbound callbacks (fides, status callbacks): UnlearnServer only.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // System-library shims.
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),

        // Vectorisable element-wise kernels (restrict pointers): optimizer updates and the codec's
        // byte shuffle; -fno-math-errno lets sqrtf become one instruction.
        .target(
            name: "CKernels",
            cSettings: [.unsafeFlags(["-O3", "-fno-math-errno"] + cpuCFlags)]
        ),
        // Matrices, models, optimizers, SISA schedule and partition, training loop, aggregation. No disk, SQL or HTTP.
        .target(name: "UnlearnCore", dependencies: ["COpenBLAS", "CKernels"], swiftSettings: numericKernels),
        // What data looks like on disk: importers, encoders, row and checkpoint files, codec, atomic writes, record keys.
        .target(
            name: "UnlearnData",
            dependencies: ["UnlearnCore", "CKernels", "CZstd", "CZlib", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The SQLite ledger: record index, requests, jobs, versions, audit chain.
        .target(
            name: "UnlearnLedger",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                // The SQLite C API that GRDB links, for the intake writer's direct statements.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // A store as users see it: a directory opened as `Store`, with create, train, delete, plan,
        // retrain, publish, purge, predict, verify and audit.
        .target(
            name: "UnlearnStore",
            dependencies: [
                "UnlearnCore", "UnlearnData", "UnlearnLedger",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Benchmarks (sweeps, micro-benchmarks, trainer throughput): outside the product modules.
        .target(name: "UnlearnBench", dependencies: ["UnlearnCore", "UnlearnData", "UnlearnLedger", "UnlearnStore"]),
        // The HTTP service (`unlearn serve`): tokens and roles, /v1 routes, OpenAPI, metrics, the
        // scheduler and the group-committing intake. The only module that imports Hummingbird.
        .target(
            name: "UnlearnServer",
            dependencies: [
                "UnlearnCore", "UnlearnData", "UnlearnLedger", "UnlearnStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            exclude: ["openapi.json"]
        ),
        .executableTarget(
            name: "unlearn",
            dependencies: [
                "UnlearnCore", "UnlearnData", "UnlearnLedger", "UnlearnStore", "UnlearnBench", "UnlearnServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .testTarget(name: "UnlearnCoreTests", dependencies: ["UnlearnCore"]),
        .testTarget(name: "UnlearnDataTests", dependencies: ["UnlearnData", "UnlearnCore"]),
        .testTarget(
            name: "UnlearnLedgerTests",
            dependencies: ["UnlearnLedger", "UnlearnCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "UnlearnStoreTests",
            dependencies: [
                "UnlearnStore", "UnlearnData", "UnlearnCore", "UnlearnLedger", "unlearn",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "UnlearnServerTests",
            dependencies: [
                "UnlearnServer", "UnlearnStore", "UnlearnData", "UnlearnCore", "UnlearnLedger", "unlearn",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
