import Crypto
import Foundation
import Logging
import Mustache
import NIOCore
import SwitchboardCore

/// The web interface's files, read once from the bundle at start: the Mustache templates, the
/// stylesheet and script modules (served from memory with a content hash as their version),
/// and the text catalog. Nothing is read from disk per request, and nothing from another site.
struct WebAssets: @unchecked Sendable {
    // Immutable after init; the library's compiled templates are only read.

    /// A static file as it is served.
    struct StaticFile: Sendable {
        let body: ByteBuffer
        let contentType: String
        /// The first 16 hex digits of the SHA-256 of the content: the ETag and the `?v=`.
        let version: String
    }

    let library: MustacheLibrary
    let files: [String: StaticFile]
    let texts: WebTexts

    init(library: MustacheLibrary, files: [String: StaticFile], texts: WebTexts) {
        self.library = library
        self.files = files
        self.texts = texts
    }

    /// Loads `Resources/web`; a missing or broken file is a packaging error and stops here,
    /// so a hub never starts with half an interface.
    static func load() -> WebAssets {
        guard let root = Bundle.module.url(forResource: "web", withExtension: nil) else {
            preconditionFailure("the web resources are missing from the SwitchboardServer bundle")
        }
        do {
            var templates: [String: MustacheTemplate] = [:]
            let templateDirectory = root.appendingPathComponent("templates")
            for name in try FileManager.default.contentsOfDirectory(atPath: templateDirectory.path) where name.hasSuffix(".mustache") {
                let source = try String(contentsOf: templateDirectory.appendingPathComponent(name), encoding: .utf8)
                templates[String(name.dropLast(".mustache".count))] = try MustacheTemplate(string: source)
            }
            var files: [String: StaticFile] = [:]
            let staticDirectory = root.appendingPathComponent("static")
            for name in try FileManager.default.contentsOfDirectory(atPath: staticDirectory.path) {
                guard let type = contentType(of: name) else { continue }
                let data = try Data(contentsOf: staticDirectory.appendingPathComponent(name))
                let version = String(TextEncoding.hex(SHA256.hash(data: data)).prefix(16))
                files[name] = StaticFile(body: ByteBuffer(bytes: data), contentType: type, version: version)
            }
            let catalog = try Data(contentsOf: root.appendingPathComponent("texts.en.json"))
            let texts = try WebTexts(json: catalog)
            return WebAssets(library: MustacheLibrary(templates: templates), files: files, texts: texts)
        } catch {
            preconditionFailure("the web resources could not be read: \(error)")
        }
    }

    static func contentType(of name: String) -> String? {
        if name.hasSuffix(".css") { return "text/css; charset=utf-8" }
        if name.hasSuffix(".js") { return "text/javascript; charset=utf-8" }
        return nil
    }

    /// The URL of a static file with its version, so a changed file is fetched anew.
    func url(_ name: String) -> String {
        "/static/\(name)?v=\(files[name]?.version ?? "0")"
    }

    /// Renders a template (HTML-escaped values; `{{{…}}}` only for HTML the hub rendered itself).
    func render(_ template: String, _ values: [String: Any]) -> String {
        library.render(values, withTemplate: template) ?? ""
    }
}
