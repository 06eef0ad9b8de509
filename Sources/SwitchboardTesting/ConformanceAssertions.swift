import Foundation
import SwitchboardCore

/// The assertions of the store suites (`StoreConformance`, `ConversationStoreConformance`):
/// each throws a `ConformanceFailure` naming the check through `#function` at the call site,
/// so a suite runs under any test framework.
protocol ConformanceAssertions {}

extension ConformanceAssertions {
    func expectEqual<T: Equatable>(
        _ actual: T,
        _ expected: T,
        _ what: String,
        check: String = #function,
        file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        guard actual != expected else { return }
        throw ConformanceFailure(
            check: check,
            message: what,
            expected: String(describing: expected),
            actual: String(describing: actual),
            file: "\(file)",
            line: line
        )
    }

    func expectTrue(
        _ condition: Bool,
        _ what: String,
        check: String = #function,
        file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        guard !condition else { return }
        throw ConformanceFailure(check: check, message: what, file: "\(file)", line: line)
    }

    func unwrap<T>(
        _ value: T?,
        _ what: String,
        check: String = #function,
        file: StaticString = #filePath,
        line: UInt = #line
    ) throws -> T {
        guard let value else {
            throw ConformanceFailure(check: check, message: what, expected: "a value", actual: "nil", file: "\(file)", line: line)
        }
        return value
    }

    /// Expects `body` to throw a `SwitchboardError` of this kind and code.
    func expectError<T>(
        _ kind: SwitchboardError.Kind,
        _ code: String?,
        _ what: String,
        check: String = #function,
        file: StaticString = #filePath,
        line: UInt = #line,
        _ body: () async throws -> T
    ) async throws {
        let expected = "SwitchboardError(\(kind.rawValue)\(code.map { ", \($0)" } ?? ""))"
        do {
            let value = try await body()
            throw ConformanceFailure(
                check: check,
                message: what,
                expected: expected,
                actual: "returned \(value)",
                file: "\(file)",
                line: line
            )
        } catch let error as SwitchboardError {
            guard error.kind == kind, code == nil || error.code == code else {
                throw ConformanceFailure(
                    check: check,
                    message: what,
                    expected: expected,
                    actual: "SwitchboardError(\(error.kind.rawValue), \(error.code)): \(error.message)",
                    file: "\(file)",
                    line: line
                )
            }
        } catch let failure as ConformanceFailure {
            throw failure
        } catch {
            throw ConformanceFailure(
                check: check,
                message: what,
                expected: expected,
                actual: "\(type(of: error)): \(error)",
                file: "\(file)",
                line: line
            )
        }
    }
}

extension ConformanceAssertions {
    /// Runs `body`, reporting an error it throws as this check's failure rather than as itself.
    func expectNoError<T>(
        _ what: String,
        check: String = #function,
        file: StaticString = #filePath,
        line: UInt = #line,
        _ body: () async throws -> T
    ) async throws -> T {
        do { return try await body() } catch let failure as ConformanceFailure { throw failure } catch {
            throw ConformanceFailure(
                check: check,
                message: what,
                expected: "no error",
                actual: "\(type(of: error)): \(error)",
                file: "\(file)",
                line: line
            )
        }
    }
}
