import Testing

@testable import SwitchboardServer

/// The allow-list keeps formatting and safe links, and nothing that runs, loads or styles.
@Suite("HTML sanitizer")
struct HTMLSanitizerTests {
    @Test(arguments: [
        ("<p>Hello <b>world</b></p>", "<p>Hello <b>world</b></p>"),
        ("<script>alert(1)</script>after", "after"),
        ("<SCRIPT type=text/javascript>alert(1)</SCRIPT>x", "x"),
        (#"<img src=x onerror="alert(1)">text"#, "text"),
        (
            #"<a href="https://example.org/a?b=1&amp;c=2" onclick="evil()">link</a>"#,
            #"<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer">link</a>"#
        ),
        (#"<a href="javascript:alert(1)">x</a>"#, "<a>x</a>"),
        (#"<a href="jav&#x61;script:alert(1)">x</a>"#, "<a>x</a>"),
        (#"<a href=" java\#tscript:alert(1)">x</a>"#, "<a>x</a>"),
        (#"<a href="JaVaScRiPt&colon;alert(1)">x</a>"#, "<a>x</a>"),
        (#"<a href='data:text/html,<script>alert(1)</script>'>x</a>"#, "<a>x</a>"),
        ("<style>body{background:url(http://evil)}</style>ok", "ok"),
        (#"<p style="background:url(http://evil)">ok</p>"#, "<p>ok</p>"),
        ("<iframe src=http://evil></iframe><object data=x></object>ok", "ok"),
        ("<svg><script>alert(1)</script></svg>ok", "ok"),
        ("<!-- <script>alert(1)</script> -->ok", "ok"),
        ("a < b && c > d", "a &lt; b &amp;&amp; c &gt; d"),
        ("fish &amp; chips &copy;", "fish &amp; chips &copy;"),
        ("<form action=http://evil><input name=x></form>ok", "ok"),
        ("<ul><li>one<li>two</ul>", "<ul><li>one<li>two</ul>"),
        ("unclosed <b", "unclosed "),
    ])
    func cleans(_ input: String, _ expected: String) {
        #expect(HTMLSanitizer.sanitize(input) == expected)
    }

    @Test func nothingThatRunsSurvivesAMixOfTricks() {
        let hostile = """
            <div><scr<script>ipt>alert(1)</script><a href="&#106;avascript:alert(1)" title="x&quot; onmouseover=&quot;alert(1)">t</a>
            <body onload=alert(1)><math><mi xlink:href="javascript:alert(1)">m</mi></math><base href="http://evil/"></div>
            """
        let clean = HTMLSanitizer.sanitize(hostile).lowercased()
        for bad in ["<script", "javascript:", "onload", "onmouseover=\"", "<base", "<math", "<body"] {
            #expect(!clean.contains(bad), "\(bad) survived in \(clean)")
        }
    }
}
