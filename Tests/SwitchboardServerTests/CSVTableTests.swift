import Foundation
import Testing

@testable import SwitchboardServer

/// RFC 4180 as spreadsheets write it: quoting, doubled quotes, line breaks inside quotes,
/// CRLF/LF/CR, a BOM, and what makes a file unreadable as a whole.
@Suite struct CSVTableTests {
    func table(_ text: String, maxRecords: Int = .max) throws(CSVError) -> [[String]] {
        try CSVTable(parsing: Array(text.utf8), maxRecords: maxRecords).records.map(\.fields)
    }

    @Test func quotedFieldsHoldCommasDoubledQuotesAndLineBreaks() throws {
        let rows = try table("name,phone\r\n\"Hansen, Kari\",+4712345678\r\n\"She said \"\"hi\"\"\",\"line one\r\nline two\"\r\n")
        #expect(rows == [["name", "phone"], ["Hansen, Kari", "+4712345678"], [#"She said "hi""#, "line one\r\nline two"]])
    }

    @Test func crlfLfAndCrEndLinesAndBlankLinesAreSkipped() throws {
        #expect(try table("a,b\r\n1,2\n3,4\r5,6") == [["a", "b"], ["1", "2"], ["3", "4"], ["5", "6"]])
        #expect(try table("a\n\n\r\nb\n") == [["a"], ["b"]])
        #expect(try table("a,,\n,,") == [["a", "", ""], ["", "", ""]], "empty fields are kept; a line of commas is no blank line")
    }

    @Test func recordsKnowTheLineTheyStartOn() throws {
        let records = try CSVTable(parsing: Array("h\n\"a\nb\"\n\nc\r\nd".utf8)).records
        #expect(records.map(\.line) == [1, 2, 5, 6])
    }

    @Test func aByteOrderMarkIsNotPartOfTheFirstColumnName() throws {
        #expect(try table("\u{FEFF}name,email\nKari,k@example.org") == [["name", "email"], ["Kari", "k@example.org"]])
        #expect(try table("name\nÅse Øvrebø") == [["name"], ["Åse Øvrebø"]], "UTF-8 without a BOM")
    }

    @Test func aQuoteInsideAnUnquotedFieldIsKeptAsText() throws {
        #expect(try table(#"a"b,c"#) == [[#"a"b"#, "c"]])
    }

    @Test func aQuoteThatNeverClosesIsAnErrorWithItsLine() {
        #expect(throws: CSVError(.unclosedQuote, line: 2, "a quoted field opened on line 2 is never closed")) {
            try table("name\n\"Kari,+47\nOla,+48\n")
        }
    }

    @Test func textAfterAClosingQuoteIsAnError() {
        #expect(throws: CSVError.self) { try table("name\n\"Kari\"x,1") }
        do {
            _ = try table("name\n\"Kari\"x,1")
        } catch {
            #expect(error.kind == .textAfterQuote)
            #expect(error.line == 2)
        }
    }

    @Test func textThatIsNotUTF8OrHasANulIsNotACSVFile() {
        do {
            _ = try CSVTable(parsing: [0x6E, 0x61, 0x6D, 0x65, 0x0A, 0xC5, 0x73, 0x65])  // "name\n" + Latin-1 "Åse"
            Issue.record("Latin-1 was read")
        } catch {
            #expect(error.kind == .notText)
            #expect(error.message.contains("UTF-8"))
        }
        do {
            _ = try table("name\nKa\u{0}ri")
            Issue.record("NUL was read")
        } catch {
            #expect(error.kind == .notText)
            #expect(error.line == 2)
        }
    }

    @Test func readingStopsPastTheRecordLimit() throws {
        #expect(try table("a\nb\nc", maxRecords: 3).count == 3)
        #expect(throws: CSVError.self) { try table("a\nb\nc\nd", maxRecords: 3) }
    }
}
