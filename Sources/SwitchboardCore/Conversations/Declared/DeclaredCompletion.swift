/// What a declared responder does when its last step is answered.
package struct DeclaredCompletion: Sendable, Equatable {
    /// The answer to the party (a template); `nil`: "Thank you."
    package var summary: String?
    /// Store a form submission with this form id: the answers in step order.
    package var formID: String?
    /// Send a message by the normal routes.
    package var send: Send?
    /// Post a row to a topic.
    package var topicRow: TopicRow?

    /// A message sent on completion; `text` and `subject` are templates.
    package struct Send: Sendable, Equatable {
        package var to: [String]
        package var text: String
        package var subject: String?
        package init(to: [String], text: String, subject: String? = nil) {
            self.to = to
            self.text = text
            self.subject = subject
        }
    }

    /// A row posted on completion; each value is a template, by column.
    package struct TopicRow: Sendable, Equatable {
        package var topic: String
        package var values: [(column: String, template: String)]
        package init(topic: String, values: [(column: String, template: String)]) {
            self.topic = topic
            self.values = values
        }
        package static func == (a: TopicRow, b: TopicRow) -> Bool {
            a.topic == b.topic && a.values.elementsEqual(b.values) { $0.column == $1.column && $0.template == $1.template }
        }
    }

    package init(summary: String? = nil, formID: String? = nil, send: Send? = nil, topicRow: TopicRow? = nil) {
        self.summary = summary
        self.formID = formID
        self.send = send
        self.topicRow = topicRow
    }
}
