import Foundation

/// One question of a declared responder.
package struct DeclaredStep: Sendable, Equatable {
    /// What happens when the last try did not fit either.
    package enum Exhausted: Sendable, Equatable {
        /// The conversation is aborted; the party gets `message` (a template) or a default.
        case abort(message: String?)
        /// The step saves nothing and the conversation goes on to its default next step.
        case skip
    }

    package var name: String
    /// A template.
    package var prompt: String
    package var expect: AnswerExpectation
    /// The answer to an answer that does not fit (a template); `nil`: `expect`'s own.
    package var invalid: String?
    /// Answers the party may give before `whenExhausted` applies (at least 1).
    package var tries: Int
    package var whenExhausted: Exhausted
    /// Where the answer goes in `data` (default: the step's name).
    package var saveAs: DataPath
    package var next: DeclaredNext
    /// The list `/list` shows while this step waits for its answer.
    package var list: String?

    package init(
        name: String,
        prompt: String,
        expect: AnswerExpectation = .text(maxLength: AnswerExpectation.defaultMaxLength),
        invalid: String? = nil,
        tries: Int = 3,
        whenExhausted: Exhausted = .abort(message: nil),
        saveAs: DataPath? = nil,
        next: DeclaredNext = .end,
        list: String? = nil
    ) {
        self.name = name
        self.prompt = prompt
        self.expect = expect
        self.invalid = invalid
        self.tries = tries
        self.whenExhausted = whenExhausted
        self.saveAs = saveAs ?? DataPath([name])
        self.next = next
        self.list = list
    }
}

/// Where a step leads once answered.
package enum DeclaredNext: Sendable, Equatable {
    /// Always to this step.
    case step(String)
    /// The responder completes.
    case end
    /// Chosen by the answer (`AnswerCheck.Fit.key`, lower-cased), else `otherwise`.
    case byAnswer([String: DeclaredTarget], otherwise: DeclaredTarget?)

    /// Where an answer keyed `key` leads; `nil` when the map has neither it nor a default.
    package func target(for key: String?) -> DeclaredTarget? {
        switch self {
        case .step(let s): .step(s)
        case .end: .end
        case .byAnswer(let map, let otherwise): key.flatMap { map[$0.lowercased()] } ?? otherwise
        }
    }
}

/// A step or the end, as a `next` map names them.
package enum DeclaredTarget: Sendable, Equatable {
    case step(String)
    case end
}
