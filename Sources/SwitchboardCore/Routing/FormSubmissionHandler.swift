import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Tells XForms submissions from plain text, as the messaging blueprint's inbound SMS daemon
/// did (reference 000): a text that is an XML document whose root has child elements is
/// recorded as a `FormSubmission` linked to its message.
///
/// It always passes: the message reaches the inbox either way, and a form that did not parse
/// is recorded with its error instead of being dropped, so a broken client or a cut-short SMS
/// is visible in the forms API rather than lost.
package struct FormSubmissionHandler: MessageHandler {
    package let name = "xforms"
    let store: any FormStore

    package init(store: any FormStore) { self.store = store }

    package func handle(_ context: InboundContext) async throws -> HandlerResult {
        let message = context.message
        let submission: FormSubmission
        switch XFormsReader.read(message.text) {
        case .plainText:
            return .pass
        case .form(let form):
            submission = FormSubmission(
                messageID: message.id,
                formID: form.formID,
                version: form.version,
                fields: form.fields,
                receivedAt: message.createdAt
            )
        case .malformed(let reason):
            submission = FormSubmission(messageID: message.id, formID: nil, fields: [], error: reason, receivedAt: message.createdAt)
        }
        // Routed again after a crash: the submission of the first run stands.
        if try await store.formSubmission(messageID: message.id, viewer: .unrestricted) != nil { return .pass }
        try await store.recordSubmission(submission)
        return .pass
    }
}

/// Reads a text as an XForms instance. Apart from the handler so it can be tested on text alone.
///
/// What counts as what:
/// - plain text: anything not starting (after white space) with `<` and then a letter, `_`,
///   `:`, `?xml` or `!`; a document whose root has no child elements (`<b>hi</b>`); and text
///   that does not parse and has no closing tag (`<grin> see you`, `<3 you`);
/// - a form: a well-formed document whose root has child elements;
/// - malformed: everything else that starts like XML, including any document type
///   declaration (refused so no entity can expand), more than 64 KiB, 32 levels or 2,000 fields.
package enum XFormsReader {
    package struct Form: Sendable, Equatable {
        package var formID: String
        package var version: String?
        package var fields: [FormField]
    }

    package enum Reading: Sendable, Equatable {
        case plainText
        case form(Form)
        case malformed(String)
    }

    static let maxBytes = 64 * 1024
    static let maxDepth = 32
    static let maxFields = 2000

    package static func read(_ text: String) -> Reading {
        let trimmed = text.trimmingCharacters(in: CharacterSet.whitespacesAndNewlines.union(["\u{FEFF}"]))
        guard looksLikeXML(trimmed) else { return .plainText }
        let hasClosingTag = trimmed.contains("</") || trimmed.contains("/>") || trimmed.hasPrefix("<?xml")
        if trimmed.range(of: "<!DOCTYPE", options: .caseInsensitive) != nil || trimmed.range(of: "<!ENTITY", options: .caseInsensitive) != nil {
            return .malformed("a document type declaration (<!DOCTYPE or <!ENTITY) is not accepted in a form submission")
        }
        guard trimmed.utf8.count <= maxBytes else {
            return hasClosingTag ? .malformed("the XML is larger than \(maxBytes) bytes") : .plainText
        }
        let collector = TreeCollector(maxDepth: maxDepth)
        let parser = XMLParser(data: Data(trimmed.utf8))
        parser.shouldResolveExternalEntities = false
        parser.shouldProcessNamespaces = false
        parser.delegate = collector
        let parsed = parser.parse()
        collector.finish()
        guard parsed, collector.problem == nil, let root = collector.root else {
            guard hasClosingTag else { return .plainText }
            if let limit = collector.limit { return .malformed(limit) }
            return .malformed(
                "the XML is not well-formed: " + (collector.problem ?? "the parser gave up")
                    + " (line \(parser.lineNumber), column \(parser.columnNumber))"
            )
        }
        guard !root.children.isEmpty else { return .plainText }
        var fields: [FormField] = []
        flatten(root, prefix: "", into: &fields)
        guard fields.count <= maxFields else { return .malformed("the form has more than \(maxFields) fields") }
        let attribute = { (name: String) in root.attributes[name].flatMap { $0.isEmpty ? nil : $0 } }
        return .form(Form(formID: attribute("id") ?? attribute("xmlns") ?? root.name, version: attribute("version"), fields: fields))
    }

    /// `<` then what can start a tag name, a declaration or a comment; `<3`, `< 5` and `<<` cannot.
    static func looksLikeXML(_ text: String) -> Bool {
        guard text.first == "<", let second = text.dropFirst().first else { return false }
        if second == "?" { return text.hasPrefix("<?xml") }
        return second == "!" || second == "_" || second == ":" || second.isLetter
    }

    /// Leaves in document order; siblings sharing a name are numbered `[1]`, `[2]`, … (XPath style).
    static func flatten(_ node: Node, prefix: String, into fields: inout [FormField]) {
        var totals: [String: Int] = [:]
        for child in node.children { totals[child.name, default: 0] += 1 }
        var seen: [String: Int] = [:]
        for child in node.children {
            seen[child.name, default: 0] += 1
            let step = totals[child.name]! > 1 ? "\(child.name)[\(seen[child.name]!)]" : child.name
            let path = prefix.isEmpty ? step : "\(prefix)/\(step)"
            if child.children.isEmpty {
                fields.append(FormField(path: path, value: child.text.trimmingCharacters(in: .whitespacesAndNewlines)))
            } else {
                flatten(child, prefix: path, into: &fields)
            }
        }
    }

    /// One element of the document.
    final class Node {
        let name: String
        let attributes: [String: String]
        var children: [Node] = []
        var text = ""
        init(name: String, attributes: [String: String]) {
            self.name = name
            self.attributes = attributes
        }
    }

    /// Builds the element tree from the parser's events, checking well-formedness itself:
    /// FoundationXML on Linux reports success for some broken documents (a closing tag that does
    /// not match, an element never closed, a second root), so the tree must be balanced too.
    /// Stops the parser at the first problem and when the document nests deeper than allowed.
    final class TreeCollector: NSObject, XMLParserDelegate {
        let maxDepth: Int
        var root: Node?
        var stack: [Node] = []
        var problem: String?
        /// A limit the document went over; it may be well-formed, but it is not taken.
        var limit: String?

        init(maxDepth: Int) { self.maxDepth = maxDepth }

        func fail(_ parser: XMLParser, _ message: String) {
            if problem == nil { problem = message }
            parser.abortParsing()
        }

        /// Called after parsing: every element must have been closed.
        func finish() {
            if problem == nil, let open = stack.last { problem = "<\(open.name)> is never closed" }
            if problem == nil, root == nil { problem = "there is no element" }
        }

        func parser(
            _ parser: XMLParser,
            didStartElement elementName: String,
            namespaceURI: String?,
            qualifiedName qName: String?,
            attributes attributeDict: [String: String] = [:]
        ) {
            guard problem == nil else { return }
            let node = Node(name: elementName, attributes: attributeDict)
            if let parent = stack.last {
                parent.children.append(node)
            } else if root == nil {
                root = node
            } else {
                return fail(parser, "there is more than one root element")
            }
            stack.append(node)
            if stack.count > maxDepth {
                limit = "the XML nests deeper than \(maxDepth) levels"
                fail(parser, limit!)
            }
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            guard problem == nil else { return }
            let open = stack.popLast()
            guard let open, open.name == elementName else {
                return fail(parser, "</\(elementName)> does not close \(open.map { "<\($0.name)>" } ?? "any element")")
            }
        }

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
            if problem == nil { problem = "the parser stopped (error \((parseError as NSError).code))" }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.text += string
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            stack.last?.text += String(decoding: CDATABlock, as: UTF8.self)
        }
    }
}
