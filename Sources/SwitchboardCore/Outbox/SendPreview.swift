import Foundation

/// The pre-send report: what a send request would do, worked out from the same recipient
/// plan as `Hub.send` but stored and sent nowhere — who gets what on which channel, who cannot
/// be reached and why, and what the plain text costs in SMS. A person reads it before paying
/// for three SMS per phone because of one `€`-less `ç`, or before learning that half a group
/// has no email.
package struct SendPreview: Sendable {
    /// What one channel carries of a message: SMS and IM the plain text only; email the
    /// subject, the plain text, the rich HTML and the attachments the message has.
    package enum Part: String, Sendable, CaseIterable {
        case subject, text, html, attachments
    }

    /// One delivery the send would make.
    package struct Planned: Sendable {
        package var address: Address
        package var channel: ChannelName
        package var parts: [Part]
        /// Another recipient of this report already has the address, so the send makes one
        /// delivery for both and this one is not counted.
        package var duplicate: Bool
    }

    /// A person the request reaches on at least one channel.
    package struct Recipient: Sendable {
        package var name: String
        package var contactID: String?
        /// The entries of `to` that brought this person in (a member of two groups is listed
        /// once, with both).
        package var via: [String]
        package var deliveries: [Planned]
        /// The channels this person will not get, and why.
        package var problems: [RecipientProblem]
    }

    /// An entry of `to`, or a person it brought in, that nothing will reach.
    package struct Unreachable: Sendable {
        package var name: String
        package var contactID: String?
        package var via: [String]
        package var problems: [RecipientProblem]
        /// The send refuses the whole request for this entry (fix or remove it first).
        package var refusesSend: Bool
    }

    package var recipients: [Recipient] = []
    package var unreachable: [Unreachable] = []
    /// The warnings the send's answer would carry.
    package var warnings: [String] = []
    /// The plain text's encoding and parts, as an SMS connector would send it.
    package var sms: SMSCount
    /// Distinct deliveries by channel.
    package var deliveriesByChannel: [ChannelName: Int] = [:]
    /// What the send would answer instead of accepting, if anything.
    package var refusal: SwitchboardError?

    package var deliveries: Int { deliveriesByChannel.values.reduce(0, +) }
    /// Every SMS the send costs: the text's parts for each distinct SMS delivery.
    package var totalSMS: Int { sms.parts * (deliveriesByChannel[.sms] ?? 0) }

    init(request: SendRequest, entries: [RecipientResolver.Entry]) {
        sms = SMSEncoding.count(request.text)
        var emailParts: [Part] = [.text]
        if request.subject.map({ !$0.isEmpty }) ?? false { emailParts.insert(.subject, at: 0) }
        if request.html.map({ !$0.isEmpty }) ?? false { emailParts.append(.html) }
        if !(request.attachments ?? []).isEmpty { emailParts.append(.attachments) }

        var seen = Set<Address>()
        var index: [String: Int] = [:]  // a person's key → their place in `recipients`
        var lost: [String: Int] = [:]  // the same for `unreachable`
        for entry in entries {
            warnings += entry.warnings
            if let refusal = entry.refusal {
                self.refusal = self.refusal ?? refusal
                let problem = RecipientProblem(refusal.code, refusal.message)
                unreachable.append(Unreachable(name: entry.recipient, via: [entry.recipient], problems: [problem], refusesSend: true))
                continue
            }
            if entry.people.isEmpty {
                unreachable.append(Unreachable(name: entry.recipient, via: [entry.recipient], problems: entry.problems, refusesSend: false))
            }
            for person in entry.people {
                let key = person.contactID.map { "contact:\($0)" } ?? person.addresses.first?.description ?? person.name
                if let at = index[key] {
                    recipients[at].via.append(entry.recipient)
                    continue
                }
                if let at = lost[key] {
                    unreachable[at].via.append(entry.recipient)
                    continue
                }
                guard !person.addresses.isEmpty else {
                    let none = RecipientProblem("no_address", "\(person.name) has no address a connector sends on")
                    lost[key] = unreachable.count
                    unreachable.append(
                        Unreachable(
                            name: person.name,
                            contactID: person.contactID,
                            via: [entry.recipient],
                            problems: person.problems + [none],
                            refusesSend: false
                        )
                    )
                    continue
                }
                let planned = person.addresses.map { address -> Planned in
                    let channel = address.channel!
                    let fresh = seen.insert(address).inserted
                    if fresh { deliveriesByChannel[channel, default: 0] += 1 }
                    return Planned(address: address, channel: channel, parts: channel == .email ? emailParts : [.text], duplicate: !fresh)
                }
                index[key] = recipients.count
                recipients.append(
                    Recipient(name: person.name, contactID: person.contactID, via: [entry.recipient], deliveries: planned, problems: person.problems)
                )
            }
        }
        if refusal == nil, deliveries == 0 { refusal = Hub.noReachableRecipient(warnings: warnings) }
    }
}

extension Hub {
    /// The pre-send report for `request` (`SendPreview`): nothing is stored or sent. A request
    /// that is wrong in itself (no text, too long, NUL, a bad attachment) throws exactly as
    /// `send` would; recipients that cannot be reached are reported, with the send's own
    /// refusal in `refusal`.
    package func preview(_ request: SendRequest) async throws -> SendPreview {
        try Self.validate(request)
        return SendPreview(request: request, entries: try await resolver.plan(request.to))
    }

    static func noReachableRecipient(warnings: [String]) -> SwitchboardError {
        let why = warnings.isEmpty ? "" : ": " + warnings.joined(separator: "; ")
        return SwitchboardError.invalid("no_reachable_recipient", "no recipient could be reached\(why)")
    }
}
