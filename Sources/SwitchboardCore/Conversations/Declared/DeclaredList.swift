/// A named list `/list NAME` shows.
package struct DeclaredList: Sendable, Equatable {
    package enum Source: Sendable, Equatable {
        /// Fixed lines from the configuration.
        case options([String])
        /// The names of a contact group's members, sorted.
        case group(String)
        /// A topic's most recent rows, newest first, each rendered by `text` (a template over
        /// the row's fields) or its columns' values joined by ", ".
        case topic(String, text: String?, limit: Int)
    }
    package var name: String
    package var source: Source
    package init(name: String, source: Source) {
        self.name = name
        self.source = source
    }
}
