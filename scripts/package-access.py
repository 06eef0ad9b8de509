#!/usr/bin/env python3
"""Gives `package` access to what the targets share but is not SwitchboardCore's API.

In Sources/SwitchboardCore every `public` becomes `package`, except on the declarations
named by PUBLIC below, their members, nested types and extensions: the API that someone
writing a connector engine, a message handler or a topic hook needs. A name in PACKAGE
(`Type.member`) makes that one member `package` although its type stays public. The
longest dotted prefix of a declaration's path found in either list decides; a name in
neither is `package`. Top-level functions and variables are looked up by their name.

In every other folder of Sources (targets that are no library product: nothing outside
the package sees them) every `public` becomes `package`, so their declarations may use
Core's package types.

Idempotent; `package` is never turned back into `public` (do that by hand after adding a
name to PUBLIC). Comments and string literals are left alone.

Usage: python3 scripts/package-access.py   (from anywhere; prints what it changed)
"""

import pathlib
import re
import sys

# Core's public API: the extension points and the value types their signatures use.
PUBLIC = {
    # connectors and their engines
    "Connector", "ConnectorEngine", "ConnectorError", "Receipt", "Outbound",
    "InboundSink", "InboundMessage", "InboundResult", "ReplayKey",
    # message handlers
    "MessageHandler", "InboundContext", "HandlerResult", "SendRequest", "Severity",
    # topic hooks
    "TopicHook", "TopicDefinition", "TopicColumn", "TopicColumnType", "TopicAccess",
    "TopicDurability", "TopicMethod", "TopicPrincipal", "TopicQuery", "TopicFilter",
    "TopicValue", "TopicRow", "TopicChange", "TopicError",
    # conversations: responders written in code, and what their steps see and ask for
    "Responder", "ConversationSession", "ConversationEffect", "Conversation", "ConversationStatus",
    "ConversationEntry", "JSONValue",
    # presence and receipts a connector reports over its own link
    "PresenceEvent", "DeliveryReportOutcome",
    # a connector's own link (modem registration) for the operator's status page
    "ConnectorLinkReporting", "ConnectorLink",
    # values in those signatures
    "Message", "Delivery", "DeliveryStatus", "Address", "AddressError", "ChannelName",
    "Attachment", "Origin", "Identifier", "SwitchboardError", "SMSNumberKind",
    # configuration an engine reads
    "ConfigReader", "ConfigNode", "ConfigMark", "ConfigProblem", "ConfigEnvironment", "ConnectorSettings",
}

# Members of public types that are not API (their types or uses are the hub's own).
PACKAGE = {
    "TopicDefinition.defaults", "TopicDefinition.open", "TopicDefinition.prepare",
    "TopicDefinition.modify", "TopicDefinition.alert",
    "ConnectorSettings.dispatch", "ConnectorSettings.init",
}

CORE = "SwitchboardCore"

TYPE_KEYWORDS = {"struct", "class", "enum", "protocol", "actor", "extension"}
MEMBER_KEYWORDS = {"func", "var", "let", "typealias", "associatedtype", "init", "subscript", "deinit", "macro"}
MODIFIERS = {
    "static", "final", "nonisolated", "indirect", "override", "convenience", "required",
    "mutating", "nonmutating", "lazy", "weak", "unowned", "dynamic", "optional", "isolated",
    "private", "fileprivate", "internal", "package", "open", "consuming", "borrowing", "distributed", "set",
}
TOKEN = re.compile(r"@?[A-Za-z_][A-Za-z0-9_]*|\S")
LITERAL = re.compile(r'//[^\n]*|/\*|(#*)("""|")')


def mask(src):
    """The source with comments and string literals blanked (newlines kept), same length."""
    out, i = [], 0
    while True:
        m = LITERAL.search(src, i)
        if not m:
            out.append(src[i:])
            return "".join(out)
        out.append(src[i : m.start()])
        if m.group(0).startswith("//"):
            end = m.end()
        elif m.group(0) == "/*":
            depth, end = 1, m.end()
            while depth:
                nxt = min((p for p in (src.find("/*", end), src.find("*/", end)) if p >= 0), default=len(src))
                depth += 1 if src.startswith("/*", nxt) else -1
                end = nxt + 2
        else:
            hashes, quote = m.group(1), m.group(2)
            end, closing = m.end(), quote + hashes
            while not src.startswith(closing, end):
                end += 2 if (not hashes and src[end] == "\\") else 1
            end += len(closing)
        out.append(re.sub(r"[^\n]", " ", src[m.start() : end]))
        i = end


def decision(path):
    """True if the declaration at `path` (list of names) stays public."""
    for n in range(len(path), 0, -1):
        key = ".".join(path[:n])
        if key in PACKAGE:
            return False
        if key in PUBLIC:
            return True
    return False


def rewrite(src, everything):
    """(new source, number of `public` made `package`)."""
    tokens = [(m.group(0), m.start()) for m in TOKEN.finditer(mask(src))]
    stack, depth, pending, changes = [], 0, None, []

    def modifier(i):  # `class` is one in `class func`, not in `class Foo`
        tok, nxt = tokens[i][0], (tokens[i + 1][0] if i + 1 < len(tokens) else "")
        return tok in MODIFIERS or (tok == "class" and nxt in MEMBER_KEYWORDS | MODIFIERS)

    def dotted(i):  # A.B.C starting at token i
        names = [tokens[i][0]]
        while i + 2 < len(tokens) and tokens[i + 1][0] == ".":
            names.append(tokens[i + 2][0])
            i += 2
        return names

    for i, (tok, pos) in enumerate(tokens):
        nxt = tokens[i + 1][0] if i + 1 < len(tokens) else ""
        if tok in TYPE_KEYWORDS and (nxt[:1].isalpha() or nxt[:1] == "_") and not modifier(i):
            names = dotted(i + 1)
            pending = names if tok == "extension" else (stack[-1][0] if stack else []) + names
        elif tok == "{":
            depth += 1
            if pending is not None:
                stack.append((pending, depth))
                pending = None
        elif tok == "}":
            if stack and stack[-1][1] == depth:
                stack.pop()
            depth -= 1
        elif tok == "public":
            keep = False
            if not everything:
                j = i + 1
                while j < len(tokens) and (modifier(j) or tokens[j][0].startswith("@") or tokens[j][0] in "()"):
                    j += 1
                kw = tokens[j][0] if j < len(tokens) else ""
                if kw == "extension":
                    path = dotted(j + 1)
                else:
                    name = tokens[j + 1][0] if kw in TYPE_KEYWORDS | (MEMBER_KEYWORDS - {"init", "subscript", "deinit"}) else kw
                    path = (stack[-1][0] if stack else []) + [name]
                keep = decision(path)
            if not keep:
                changes.append(pos)
    for pos in reversed(changes):
        src = src[:pos] + "package" + src[pos + len("public") :]
    return src, len(changes)


def public_types(root):
    """(public types, all types) declared in root's Swift files."""
    decl = re.compile(r"\b(?:(public)\s+)?(?:(?:final|indirect)\s+)?(?:struct|class|enum|protocol|actor)\s+(?!func\b|var\b|let\b|subscript\b)[A-Za-z_]")
    found = [m.group(1) for f in sorted(root.rglob("*.swift")) for m in decl.finditer(mask(f.read_text()))]
    return sum(1 for p in found if p), len(found)


def main():
    repo = pathlib.Path(__file__).resolve().parent.parent
    sources = repo / "Sources"
    before = public_types(sources / CORE)
    total = 0
    for folder in sorted(sources.iterdir(), key=lambda p: p.name != CORE):
        for f in sorted(folder.rglob("*.swift")):
            src = f.read_text()
            new, n = rewrite(src, folder.name != CORE)
            if n:
                f.write_text(new)
                total += n
                print(f"{f.relative_to(repo)}: {n}")
    after = public_types(sources / CORE)
    print(f"{total} public made package; Core's public types: {before[0]} -> {after[0]} of {after[1]}")


if __name__ == "__main__":
    sys.exit(main())
