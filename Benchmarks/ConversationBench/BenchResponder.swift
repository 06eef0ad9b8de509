import Foundation
import SwitchboardCore

/// The responder every benchmark turn runs: a four-question report, as the example's
/// `report` is — each answer is one step (the answer written to `data`, one reply queued, the
/// next step chosen) and the fourth completes it. The memory run only starts conversations,
/// so they stay ongoing.
struct SurveyResponder: Responder {
    let name = "survey"
    let summary = "A four-question survey for the benchmark"
    let help = "Answers every message with the next question."
    let keywords = ["survey"]
    let firstStep = "start"
    static let questions = ["What happened?", "Where?", "How many people?", "Anything else?"]

    func run(step: String, session: ConversationSession, replyOnly: Bool) async throws {
        if step == "start" {
            session.reply(Self.questions[0])
            session.next("q0")
            return
        }
        guard step.hasPrefix("q"), let n = Int(step.dropFirst()), n < Self.questions.count else {
            session.abort("unknown step \(step)")
            return
        }
        session.data["a\(n)"] = .string(session.text)
        if n + 1 < Self.questions.count {
            session.reply(Self.questions[n + 1])
            session.next("q\(n + 1)")
        } else {
            session.reply("Thank you, reported.")
            session.complete()
        }
    }
}
