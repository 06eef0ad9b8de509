import Foundation
import SwitchboardCore

/// The responder every benchmark turn runs: a survey that never ends, so each answer is one
/// step — the answer written to `data`, one reply queued, the next step chosen — and the
/// conversation stays ongoing (the memory run keeps 100,000 of them open).
struct SurveyResponder: Responder {
    let name = "survey"
    let summary = "An endless survey for the benchmark"
    let help = "Answers every message with the next question."
    let keywords = ["survey"]
    let firstStep = "start"

    func run(step: String, session: ConversationSession, replyOnly: Bool) async throws {
        switch step {
        case "start":
            session.reply("What is your name?")
            session.next("name")
        case "name":
            session.data["name"] = .string(session.text)
            session.reply("How many people are with you?")
            session.next("count")
        default:
            let answered = session.data["answers"].flatMap { if case .number(let n) = $0 { n } else { nil } } ?? 0
            session.data["answers"] = .number(answered + 1)
            session.data["last"] = .string(session.text)
            session.reply("Thank you. What is your name?")
            session.next("name")
        }
    }
}
