/// A CSV file read as RFC 4180 describes it, as spreadsheets write it.
///
/// ```
/// file    = [BOM] record *(eol record) [eol]       eol = CRLF | LF | CR
/// record  = field *("," field)
/// field   = quoted | plain
/// quoted  = DQUOTE *(any byte but DQUOTE | DQUOTE DQUOTE) DQUOTE    ; may hold , CR LF
/// plain   = *(any byte but , CR LF)                                  ; a DQUOTE inside is kept
/// ```
///
/// Read byte by byte (UTF-8 never uses the bytes of `,`, `"`, CR or LF inside a character),
/// so a CRLF is two bytes here, never one `Character`. What cannot be read as a table at all
/// is a `CSVError` naming the line: text that is not UTF-8, a NUL, a quoted field never
/// closed, text after a closing quote. Blank lines are skipped. Line endings may be CRLF
/// (RFC 4180, Excel), LF or CR, as Python's `csv` reads them.
struct CSVTable: Equatable {
    /// One record and the line of the file it starts on (1 is the first line).
    struct Record: Equatable {
        var line: Int
        var fields: [String]
    }

    var records: [Record]

    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Reads the whole file; `maxRecords` stops reading early (a `tooManyRecords` error)
    /// so an oversized table costs no more than the limit.
    init(parsing input: some Collection<UInt8>, maxRecords: Int = .max) throws(CSVError) {
        var bytes = Array(input)
        if bytes.starts(with: Self.byteOrderMark) { bytes.removeFirst(Self.byteOrderMark.count) }
        if let nul = bytes.firstIndex(of: 0) {
            throw CSVError(.notText, line: Self.line(at: nul, in: bytes), "the file contains a NUL byte: it is not a text file")
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw CSVError(.notText, line: nil, "the file is not UTF-8 text; save it as \"CSV UTF-8\"")
        }
        var reader = Reader(bytes: bytes)
        records = []
        while let record = try reader.next() {
            if record.fields == [""] { continue }  // a blank line
            guard records.count < maxRecords else {
                throw CSVError(.tooManyRecords, line: record.line, "the file has more than \(maxRecords) records")
            }
            records.append(record)
        }
    }

    static func line(at index: Int, in bytes: [UInt8]) -> Int {
        var line = 1
        var previous: UInt8 = 0
        for byte in bytes[..<index] {
            if byte == 0x0A, previous != 0x0D { line += 1 }
            if byte == 0x0D { line += 1 }
            previous = byte
        }
        return line
    }

    /// The state machine over the bytes: one record per `next()`.
    private struct Reader {
        let bytes: [UInt8]
        var index = 0
        var line = 1

        init(bytes: [UInt8]) { self.bytes = bytes }

        static let comma = UInt8(ascii: ",")
        static let quote = UInt8(ascii: "\"")
        static let cr = UInt8(ascii: "\r")
        static let lf = UInt8(ascii: "\n")

        /// Consumes a line end at `index` (CRLF, LF or CR) if there is one.
        mutating func lineEnd() -> Bool {
            guard index < bytes.count else { return false }
            if bytes[index] == Self.cr {
                index += 1
                if index < bytes.count, bytes[index] == Self.lf { index += 1 }
            } else if bytes[index] == Self.lf {
                index += 1
            } else {
                return false
            }
            line += 1
            return true
        }

        mutating func next() throws(CSVError) -> Record? {
            guard index < bytes.count else { return nil }
            let start = line
            var fields: [String] = []
            while true {
                fields.append(try field(recordLine: start))
                if index < bytes.count, bytes[index] == Self.comma {
                    index += 1
                    continue
                }
                _ = lineEnd()
                return Record(line: start, fields: fields)
            }
        }

        /// One field, leaving `index` on the comma or line end after it (or the end).
        mutating func field(recordLine: Int) throws(CSVError) -> String {
            guard index < bytes.count, bytes[index] == Self.quote else {
                let start = index
                while index < bytes.count, bytes[index] != Self.comma, bytes[index] != Self.cr, bytes[index] != Self.lf { index += 1 }
                return String(decoding: bytes[start..<index], as: UTF8.self)
            }
            let opened = line
            index += 1
            var value: [UInt8] = []
            while true {
                guard index < bytes.count else {
                    throw CSVError(.unclosedQuote, line: opened, "a quoted field opened on line \(opened) is never closed")
                }
                let byte = bytes[index]
                if byte == Self.quote {
                    if index + 1 < bytes.count, bytes[index + 1] == Self.quote {
                        value.append(Self.quote)
                        index += 2
                        continue
                    }
                    index += 1
                    break
                }
                if byte == Self.cr || byte == Self.lf {
                    let before = index
                    _ = lineEnd()
                    value += bytes[before..<index]
                    continue
                }
                value.append(byte)
                index += 1
            }
            if index < bytes.count, bytes[index] != Self.comma, bytes[index] != Self.cr, bytes[index] != Self.lf {
                throw CSVError(
                    .textAfterQuote,
                    line: line,
                    "text after the closing quote of a field on line \(line); a quote inside a quoted field is written twice (\"\")"
                )
            }
            return String(decoding: value, as: UTF8.self)
        }
    }
}

/// Why a file could not be read as a CSV table at all (nothing of it is used).
struct CSVError: Error, Equatable, CustomStringConvertible {
    enum Kind: Equatable {
        case notText, unclosedQuote, textAfterQuote, tooManyRecords
    }

    var kind: Kind
    /// The line of the file where reading stopped, when there is one.
    var line: Int?
    var message: String

    init(_ kind: Kind, line: Int?, _ message: String) {
        self.kind = kind
        self.line = line
        self.message = message
    }

    var description: String { line.map { "line \($0): \(message)" } ?? message }
}
