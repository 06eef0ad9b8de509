import Foundation

extension HubConfiguration {
    /// Reads `topics:` (a mapping of topic names to their settings), reporting every problem
    /// through `top`'s log. Rules are declarative: values come from `TopicValueSource`'s
    /// fixed set, never from code in the file.
    package static func parseTopics(_ top: ConfigReader) -> [TopicDefinition] {
        var topics: [TopicDefinition] = []
        for (name, r) in top.namedChildren("topics") {
            if !isValidName(name) { r.problem(nil, "topic name must be 1-64 characters of a-z, 0-9, '_' or '-'") }
            var t = TopicDefinition(name: name, table: name.replacingOccurrences(of: "-", with: "_"))
            if let path = r.string("path") {
                if !path.hasPrefix("/") || path.hasPrefix("/api/") || path.contains("?") || path.contains(" ") || path.hasSuffix("/") {
                    r.problem("path", "must start with '/', not end with '/', and not be under /api/")
                } else {
                    t.path = path
                }
            }
            if topics.contains(where: { $0.path == t.path }) { r.problem("path", "'\(t.path)' is already the path of another topic") }
            if let table = r.string("table") { t.table = table }
            if !TopicDefinition.isIdentifier(t.table) || t.table.lowercased().hasPrefix("sqlite_") || t.table.lowercased().hasPrefix("switchboard_") {
                r.problem(
                    r.has("table") ? "table" : nil,
                    "table name '\(t.table)' must be a letter or '_' then letters, digits or '_' (at most 63), not starting with sqlite_ or switchboard_"
                )
            }
            if topics.contains(where: { $0.table.lowercased() == t.table.lowercased() }) {
                r.problem("table", "table '\(t.table)' is used by another topic")
            }
            t.columns = columns(r)
            if let a = r.child("read") { t.read = access(a) }
            if let a = r.child("write") { t.write = access(a) }
            if let n = r.int("history_limit", in: 0...TopicQuery.maximumLimit) { t.historyLimit = n }
            if let n = r.int("max_queued_frames", in: 1...1_000_000) { t.maxQueuedFrames = n }
            if let n = r.int("max_frame_bytes", in: 1_024...TopicDefinition.frameCeilingBytes) { t.maxFrameBytes = n }
            if let d = r.string("durability") {
                if let value = TopicDurability(rawValue: d) {
                    t.durability = value
                } else {
                    r.problem("durability", "'\(d)' is not one of: flush, commit")
                }
            }
            if let n = r.int("ping_interval", in: 1...3_600) { t.pingInterval = n }
            if let o = r.stringList("origins") { t.origins = o }
            if let b = r.bool("chat_page") { t.chatPage = b }
            if let d = r.child("message_default") {
                for key in d.keys {
                    guard let method = TopicMethod(rawValue: key) else {
                        _ = d.value(key)
                        d.problem(key, "expected POST, PUT or DELETE")
                        continue
                    }
                    if let m = d.child(key) { t.defaults[method] = assignments(m, t, allowBuiltin: false) }
                }
                d.rejectUnknownKeys()
            }
            if let o = r.child("open") { t.open = openFilters(o, t) }
            t.prepare = prepareRules(r, t)
            if let m = r.child("modify") { t.modify = assignments(m, t, allowBuiltin: true) }
            if let a = r.child("alert") { t.alert = alert(a) }
            r.rejectUnknownKeys()
            topics.append(t)
        }
        return topics
    }

    static func columns(_ r: ConfigReader) -> [TopicColumn] {
        guard let c = r.child("columns") else { return [] }
        var out: [TopicColumn] = []
        for key in c.keys {
            guard let raw = c.string(key) else { continue }
            if !TopicDefinition.isIdentifier(key) || key.hasPrefix("_") {
                c.problem(key, "column name must be a letter then letters, digits or '_' (at most 63)")
            } else if TopicDefinition.builtinColumns.contains(where: { $0.name == key.lowercased() }) {
                c.problem(key, "'\(key)' is a built-in column of every topic (id, user, timestamp)")
            } else if out.contains(where: { $0.name.lowercased() == key.lowercased() }) {
                c.problem(key, "column is declared twice")
            }
            guard let type = TopicColumnType(rawValue: raw.uppercased()) else {
                c.problem(key, "'\(raw)' is not one of: TEXT, INTEGER, REAL, BOOLEAN, TIMESTAMP")
                continue
            }
            out.append(TopicColumn(name: key, type: type))
        }
        return out
    }

    static func access(_ a: ConfigReader) -> TopicAccess {
        var access = TopicAccess(roles: a.stringList("roles") ?? [], users: a.stringList("users") ?? [], anonymous: a.bool("anonymous") ?? false)
        if !a.has("roles") && !a.has("users") { access.roles = TopicAccess.loggedIn.roles }
        a.rejectUnknownKeys()
        return access
    }

    static func source(_ r: ConfigReader, _ key: String, _ t: TopicDefinition) -> TopicValueSource? {
        guard let s = r.string(key) else { return nil }
        guard let source = TopicValueSource(parsing: s) else {
            r.problem(
                key,
                "'\(s)' is not a value: use $user.id, $user.display_name, $user.role, $now, $field.NAME, $length.NAME, or text ($$ for a leading $)"
            )
            return nil
        }
        if let f = source.readsField, t.column(f) == nil { r.problem(key, "'\(s)' names unknown column '\(f)'") }
        return source
    }

    static func assignments(_ m: ConfigReader, _ t: TopicDefinition, allowBuiltin: Bool) -> [(field: String, source: TopicValueSource)] {
        var out: [(field: String, source: TopicValueSource)] = []
        for key in m.keys {
            let known = allowBuiltin ? TopicDefinition.isIdentifier(key) : t.columns.contains { $0.name == key }
            guard let s = source(m, key, t) else { continue }
            if !known {
                m.problem(key, allowBuiltin ? "'\(key)' is not a field name" : "'\(key)' is not a column of this topic")
                continue
            }
            out.append((key, s))
        }
        return out
    }

    static func openFilters(_ o: ConfigReader, _ t: TopicDefinition) -> [TopicFilterTemplate] {
        var out: [TopicFilterTemplate] = []
        for key in o.keys {
            guard let s = source(o, key, t) else { continue }
            let parsed = TopicDefinition.isIdentifier(key) ? (key, .equal, "") : try? TopicQuery.split(key + "x")
            guard let (name, op, _) = parsed, t.column(name) != nil else {
                o.problem(key, "expected a column name with an optional operator (!=, >=, <=, >, <, ~=) after it")
                continue
            }
            out.append(TopicFilterTemplate(column: name, op: op, source: s))
        }
        return out
    }

    static func prepareRules(_ r: ConfigReader, _ t: TopicDefinition) -> [TopicPrepareRule] {
        var out: [TopicPrepareRule] = []
        for p in r.listOfMappings("prepare") {
            let message = p.string("message")
            func known(_ fields: [String], _ key: String) -> Bool {
                let unknown = fields.filter { f in !t.columns.contains { $0.name == f } }
                if !unknown.isEmpty { p.problem(key, "unknown column \(unknown.joined(separator: ", "))") }
                return unknown.isEmpty
            }
            if let fields = p.stringList("require") {
                if known(fields, "require") { out.append(.require(fields, message: message)) }
            } else if let caps = p.child("max_length") {
                var limits: [String: Int] = [:]
                for key in caps.keys { if let n = caps.int(key, in: 1...Int(Int32.max)) { limits[key] = n } }
                if known(Array(limits.keys), "max_length") { out.append(.maxLength(limits, message: message)) }
            } else if let s = p.child("restrict") {
                let field = s.string("field", required: true) ?? ""
                let values = s.stringList("values") ?? []
                if values.isEmpty { s.problem("values", "list the values only some may write") }
                let who = TopicAccess(roles: s.stringList("roles") ?? [], users: s.stringList("users") ?? [])
                s.rejectUnknownKeys()
                if known([field], "restrict") { out.append(.restrict(field: field, values: values, access: who, message: message)) }
            } else if let s = p.child("reject") {
                let field = s.string("field", required: true) ?? ""
                let values = s.stringList("values") ?? []
                s.rejectUnknownKeys()
                if known([field], "reject") {
                    out.append(
                        .reject(field: field, values: values, message: message ?? "\(field) may not be one of \(values.joined(separator: ", "))")
                    )
                }
            } else {
                p.problem(nil, "expected one of require, max_length, restrict, reject")
            }
            p.rejectUnknownKeys()
        }
        return out
    }

    static func alert(_ a: ConfigReader) -> TopicAlertSettings? {
        let to = a.stringList("to") ?? []
        if to.isEmpty { a.problem("to", "missing; list the recipients (addresses, group:NAME, contact:ID; templates allowed)") }
        let text = a.string("text", required: true)
        var settings = TopicAlertSettings(to: to, subject: a.string("subject"), text: text ?? "", html: a.string("html"))
        settings.marks = templateMarks(a, ["subject", "text", "html"])
        if case .sequence(let items, _) = a.value("to") {
            for (i, item) in items.enumerated() { settings.marks["to[\(i)]"] = item.mark }
        } else {
            settings.marks["to[0]"] = a.value("to")?.mark
        }
        if let methods = a.stringList("methods") {
            settings.methods = Set(
                methods.compactMap { m in
                    let method = TopicMethod(rawValue: m)
                    if method == nil { a.problem("methods", "'\(m)' is not POST, PUT or DELETE") }
                    return method
                }
            )
        }
        a.rejectUnknownKeys()
        return text == nil || to.isEmpty ? nil : settings
    }
}

extension HubConfiguration {
    /// Where each of `keys` was written in `r`'s mapping, for problems found after parsing.
    static func templateMarks(_ r: ConfigReader, _ keys: [String]) -> [String: ConfigMark] {
        var marks: [String: ConfigMark] = [:]
        for key in keys { marks[key] = r.value(key)?.mark }
        return marks
    }
}

extension TopicDefinition {
    /// Role names the rules use that are not account roles: contact groups to look up per connection.
    public var groupRoles: Set<String> {
        var names = Set(read.roles + write.roles)
        for rule in prepare { if case .restrict(_, _, let access, _) = rule { names.formUnion(access.roles) } }
        return names.subtracting(UserAccount.Role.allCases.map(\.rawValue))
    }
}
