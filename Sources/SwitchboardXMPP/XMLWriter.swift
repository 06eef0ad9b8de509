/// Writes stanzas and the stream header as XML text for the socket. Escaping lives here, in
/// one place, so that a message body or a nickname can never break out of its element or
/// attribute, and a character XML cannot carry never reaches the peer (which would close the
/// stream with `not-well-formed`).
package enum XMLWriter {
    /// Character data: `&`, `<` and `>` escaped (`>` so that `]]>` cannot appear); characters XML
    /// does not allow (most C0 controls, U+FFFE, U+FFFF) replaced with U+FFFD.
    package static func escapeText(_ text: String) -> String {
        escape(text, attribute: false)
    }

    /// An attribute value for single or double quotes; tab, LF and CR as character references so
    /// that attribute-value normalization gives them back unchanged.
    package static func escapeAttribute(_ value: String) -> String {
        escape(value, attribute: true)
    }

    private static func escape(_ text: String, attribute: Bool) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where attribute: out += "&quot;"
            case "'" where attribute: out += "&apos;"
            case "\t" where attribute: out += "&#9;"
            case "\n" where attribute: out += "&#xA;"
            case "\r": out += "&#xD;"
            default:
                out.unicodeScalars.append(XMLCharacters.isChar(scalar.value) ? scalar : "\u{FFFD}")
            }
        }
        return out
    }

    /// The stream header, `<stream:stream …>` left open.
    package static func streamHeader(_ tag: XMLStartTag) -> String {
        var scope = Scope()
        return startTag(tag.name, tag.attributes, tag.namespaceDeclarations, scope: &scope) + ">"
    }

    package static let streamClose = "</stream:stream>"

    /// `element` with its children. `defaultNamespace` is the default namespace in force where
    /// it is written: `jabber:client` for a stanza inside a client stream.
    package static func write(_ element: XMPPElement, defaultNamespace: String? = "jabber:client") -> String {
        var out = ""
        var scope = Scope(prefixes: ["": defaultNamespace ?? ""])
        write(element, into: &out, scope: &scope)
        return out
    }

    /// Prefix bindings in force, "" for the default namespace ("" value: none).
    struct Scope {
        var prefixes: [String: String] = [:]
    }

    private static func write(_ element: XMPPElement, into out: inout String, scope: inout Scope) {
        var inner = scope
        out += startTag(element.name, element.attributes, element.namespaceDeclarations, scope: &inner)
        guard !element.children.isEmpty else {
            out += "/>"
            return
        }
        out += ">"
        for child in element.children {
            switch child {
            case .text(let text): out += escapeText(text)
            case .element(let child): write(child, into: &out, scope: &inner)
            }
        }
        out += "</\(element.name.qualified)>"
    }

    /// `<name attributes…` with every declaration the names need and the scope lacks. An
    /// attribute keeps its namespace only when it has a prefix.
    private static func startTag(
        _ name: XMLName,
        _ attributes: [XMLAttribute],
        _ declarations: [XMLNamespaceDeclaration],
        scope: inout Scope
    ) -> String {
        var out = "<\(name.qualified)"
        func declare(_ prefix: String, _ uri: String) {
            guard prefix != "xml", prefix.isEmpty || !uri.isEmpty, scope.prefixes[prefix, default: ""] != uri else { return }
            scope.prefixes[prefix] = uri
            out += prefix.isEmpty ? " xmlns='\(escapeAttribute(uri))'" : " xmlns:\(prefix)='\(escapeAttribute(uri))'"
        }
        for declaration in declarations { declare(declaration.prefix, declaration.uri) }
        declare(name.prefix ?? "", name.namespace ?? "")
        for attribute in attributes {
            if let prefix = attribute.name.prefix, let namespace = attribute.name.namespace { declare(prefix, namespace) }
        }
        for attribute in attributes {
            out += " \(attribute.name.qualified)='\(escapeAttribute(attribute.value))'"
        }
        return out
    }
}
