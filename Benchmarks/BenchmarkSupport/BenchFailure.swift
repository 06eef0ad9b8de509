/// A setup problem or a broken expectation that ends a benchmark with a message instead of
/// figures (a figure measured on a run that lost messages would be worse than none).
public struct BenchFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
