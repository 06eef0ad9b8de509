// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "switchboard",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "switchboard", targets: ["switchboard"]),
        .library(name: "SwitchboardCore", targets: ["SwitchboardCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
    ],
    targets: [
        /// Domain, router, handlers, connectors' protocol. No HTTP framework, no database.
        .target(
            name: "SwitchboardCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        /// Reads the YAML configuration file into Core's neutral `ConfigNode` tree.
        .target(
            name: "SwitchboardConfig",
            dependencies: [
                "SwitchboardCore",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwitchboardSQLite",
            dependencies: [
                "SwitchboardCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        /// The store for several hub nodes on one PostgreSQL (postgres-nio's pooled client).
        .target(
            name: "SwitchboardPostgres",
            dependencies: [
                "SwitchboardCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwitchboardServer",
            dependencies: [
                "SwitchboardCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources/openapi.yaml"), .copy("Resources/common-passwords.txt"), .copy("Resources/web")],
            swiftSettings: swiftSettings
        ),
        /// SMS: GSM 03.38 / UCS-2 counting, alert packing, the HTTP SMS gateway engine on its own
        /// lean HTTP/1.1 client (NIO); and the signed `webhook` engine (AsyncHTTPClient).
        .target(
            name: "SwitchboardSMS",
            dependencies: [
                "SwitchboardCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        /// SMTP client and MIME builder on SwiftNIO (no SMTP package exists here), the
        /// email-to-SMS gateway engine, and the inbound SMTP/LMTP listener.
        .target(
            name: "SwitchboardSMTP",
            dependencies: [
                "SwitchboardCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        /// GSM modems on a serial line: the SMS PDU codec (3GPP TS 23.040/23.038), the AT command
        /// state machine and the `modem` engine. Kept apart so SwitchboardSMS stays HTTP-only.
        .target(
            name: "SwitchboardModem",
            dependencies: [
                "SwitchboardCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        /// The `xmpp` engine on SwiftNIO (no XMPP package exists here): its own XML stream
        /// tokenizer (RFC 6120 §11 restricted XML), client state machine, SCRAM, the connector.
        .target(
            name: "SwitchboardXMPP",
            dependencies: [
                "SwitchboardCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwitchboardTesting",
            dependencies: ["SwitchboardCore"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "switchboard",
            dependencies: [
                "SwitchboardCore", "SwitchboardSQLite", "SwitchboardServer", "SwitchboardConfig", "SwitchboardSMS", "SwitchboardSMTP",
                "SwitchboardModem", "SwitchboardXMPP", "SwitchboardPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchboardCoreTests",
            dependencies: [
                "SwitchboardCore", "SwitchboardTesting", "SwitchboardConfig", "SwitchboardSMS", "SwitchboardSMTP",
                "SwitchboardModem", "SwitchboardXMPP",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchboardSMSTests",
            dependencies: [
                "SwitchboardSMS", "SwitchboardCore", "SwitchboardTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchboardSMTPTests",
            dependencies: [
                "SwitchboardSMTP", "SwitchboardCore", "SwitchboardTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchboardModemTests",
            dependencies: [
                "SwitchboardModem", "SwitchboardCore", "SwitchboardSMS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchboardXMPPTests",
            dependencies: [
                "SwitchboardXMPP", "SwitchboardCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchboardSQLiteTests",
            dependencies: [
                "SwitchboardSQLite", "SwitchboardCore", "SwitchboardTesting", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchboardPostgresTests",
            dependencies: [
                "SwitchboardPostgres", "SwitchboardCore", "SwitchboardTesting",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchboardServerTests",
            dependencies: [
                "SwitchboardServer", "SwitchboardCore", "SwitchboardSQLite", "SwitchboardSMS",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)

/// The benchmarks are programs that print figures (README "Benchmarks"), never timed tests. They
/// are declared only when asked for, so that `swift build --build-tests` (and the test command)
/// does not compile them every time:
/// `SWITCHBOARD_BENCHMARKS=1 swift build -c release --product topic-bench`.
let benchmarkTargets: [Target] = [
    /// What every benchmark program shares: the lean NIO WebSocket client, CPU and memory
    /// from `/proc`, free loopback ports, a scratch PostgreSQL database, the failure that ends a run.
    .target(
        name: "BenchmarkSupport",
        dependencies: [
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ],
        path: "Benchmarks/BenchmarkSupport",
        swiftSettings: swiftSettings
    ),
    /// The outbox benchmark: a program that prints figures (README "Benchmarks"), never a timed test.
    .executableTarget(
        name: "switchboard-bench",
        dependencies: [
            "BenchmarkSupport",
            "SwitchboardCore", "SwitchboardSQLite", "SwitchboardServer", "SwitchboardSMS",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ],
        path: "Benchmarks/OutboxBench",
        swiftSettings: swiftSettings
    ),
    /// The conversation benchmark: turns per second for 1, 16 and 256 parties, and memory with
    /// 100,000 ongoing conversations (README "Conversations").
    .executableTarget(
        name: "conversation-bench",
        dependencies: [
            "BenchmarkSupport",
            "SwitchboardCore", "SwitchboardSQLite",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ],
        path: "Benchmarks/ConversationBench",
        swiftSettings: swiftSettings
    ),
    /// The topics benchmark: fan-out, latency, history and idle memory (README "Topics").
    .executableTarget(
        name: "topic-bench",
        dependencies: [
            "BenchmarkSupport",
            "SwitchboardCore", "SwitchboardSQLite", "SwitchboardPostgres", "SwitchboardServer",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ],
        path: "Benchmarks/TopicBench",
        swiftSettings: swiftSettings
    ),
    /// The web interface's benchmark: inbox pages over 100,000 items, live rows to 500 inbox
    /// sockets, and the size of the scripts and stylesheet (README "Benchmarks").
    .executableTarget(
        name: "web-bench",
        dependencies: [
            "BenchmarkSupport",
            "SwitchboardCore", "SwitchboardSQLite", "SwitchboardServer",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ],
        path: "Benchmarks/WebBench",
        swiftSettings: swiftSettings
    ),
]

if Context.environment["SWITCHBOARD_BENCHMARKS"].map({ !$0.isEmpty && $0 != "0" }) ?? false {
    package.targets += benchmarkTargets
}
