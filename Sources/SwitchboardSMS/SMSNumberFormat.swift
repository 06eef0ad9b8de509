import SwitchboardCore

/// How one connector writes phone numbers for its gateway (`{to}`) and reads the senders
/// the gateway reports, since Kannel installs and SMSCs differ: some want `+4712345678`,
/// some `4712345678` or `004712345678`, some the national `012345678`.
///
/// Inbound, the sender is kept whatever it is (see `SMSNumberKind`): international forms
/// (`+47…`, `0047…`, or seven or more digits without a trunk prefix) become `+47…`; a number
/// with the trunk prefix becomes international when `country_code` is known and is kept as
/// given (national) when not; up to six digits are a short code and any other text a sender
/// name, both kept as given. Only what no gateway sends is refused: an empty sender, control
/// characters, more than 64 characters, or more than 15 digits after `+`.
///
/// Outbound, `style` decides how an international number is written; a short code goes as it
/// is, a national number becomes international when `country_code` is known (else as it is),
/// and a sender name fails for good: it cannot receive SMS.
package struct SMSNumberFormat: Sendable, Equatable, CustomStringConvertible {
    /// The `number_format` key.
    package enum Style: String, Sendable, CaseIterable {
        /// `+4712345678`
        case e164
        /// `4712345678`
        case international
        /// `004712345678`
        case zeroZero = "00"
        /// `12345678` with `trunk_prefix` in front for numbers of `country_code`, `00…` for others.
        case national
    }

    package var style: Style
    /// The country's calling code without `+` (`47`); required by `national`.
    package var countryCode: String?
    /// What a national number starts with in that country (`0` in most; empty in Norway).
    package var trunkPrefix: String

    package init(style: Style = .e164, countryCode: String? = nil, trunkPrefix: String = "0") {
        self.style = style
        self.countryCode = countryCode
        self.trunkPrefix = trunkPrefix
    }

    package var description: String {
        "number_format=\(style.rawValue)" + (countryCode.map { " country_code=\($0) trunk_prefix=\(trunkPrefix)" } ?? "")
    }

    /// The most characters a reported sender may have.
    package static let maxSenderLength = 64

    // MARK: - Outbound

    /// The number as the gateway takes it, or a permanent error saying why there is none.
    package func outbound(_ address: Address) throws(ConnectorError) -> String {
        guard case .sms(let value) = address else { throw .permanent("\(address) is not an SMS address") }
        switch SMSNumberKind(value: value) {
        case .alphanumeric:
            throw .permanent("\(address) is a sender name, not a number: it cannot receive SMS; answer on another channel")
        case .shortCode:
            return value
        case .national:
            guard let international = internationalize(national: value) else { return value }
            return write(international)
        case .international:
            return write(value)
        }
    }

    /// `+4712345678` written in `style`.
    func write(_ e164: String) -> String {
        let digits = e164.dropFirst()
        switch style {
        case .e164: return e164
        case .international: return String(digits)
        case .zeroZero: return "00" + digits
        case .national:
            guard let countryCode, digits.hasPrefix(countryCode) else { return "00" + digits }
            return trunkPrefix + digits.dropFirst(countryCode.count)
        }
    }

    /// `012345678` → `+4712345678` with the country code known, else `nil`.
    func internationalize(national digits: String) -> String? {
        guard let countryCode, digits.hasPrefix(trunkPrefix) else { return nil }
        return "+" + countryCode + digits.dropFirst(trunkPrefix.count)
    }

    // MARK: - Inbound

    /// The sender a gateway reported, as an address; `invalid` (code `invalid_PARAMETER` or
    /// `missing_PARAMETER`) only when it is malformed.
    package func sender(_ raw: String?, parameter: String = "from") throws(SwitchboardError) -> Address {
        let given = (raw ?? "").trimmingCharacters(in: .whitespaces)
        guard !given.isEmpty else { throw .invalid("missing_\(parameter)", "parameter '\(parameter)' (the sender) is missing") }
        guard !given.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format }) else {
            throw .invalid("invalid_\(parameter)", "'\(parameter)' contains a control character")
        }
        guard given.unicodeScalars.count <= Self.maxSenderLength else {
            throw .invalid("invalid_\(parameter)", "'\(parameter)' is longer than \(Self.maxSenderLength) characters")
        }
        let compact = given.filter { !" -().\t".contains($0) }
        let digits = compact.hasPrefix("+") ? compact.dropFirst() : compact[...]
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return .sms(given)  // a sender name: kept as the gateway gave it
        }
        let international: Substring
        if compact.hasPrefix("+") {
            international = digits
        } else if digits.hasPrefix("00") && digits.count > 2 {
            international = digits.dropFirst(2)
        } else if digits.count <= SMSNumberKind.maxShortCodeDigits {
            return .sms(String(digits))
        } else if !trunkPrefix.isEmpty && digits.hasPrefix(trunkPrefix) {
            return .sms(internationalize(national: String(digits)) ?? String(digits))
        } else if style == .national, let countryCode {
            international = countryCode + digits  // a national number in a country without a trunk prefix
        } else {
            international = digits
        }
        guard international.count <= 15 else {
            throw .invalid("invalid_\(parameter)", "'\(parameter)' has \(international.count) digits; an international number has at most 15")
        }
        return .sms("+" + international)
    }

    // MARK: - Configuration

    /// Reads `number_format`, `country_code` and `trunk_prefix`, recording problems in `reader`.
    package static func read(_ reader: ConfigReader) -> SMSNumberFormat {
        var format = SMSNumberFormat()
        if let text = reader.string("number_format") {
            if let style = Style(rawValue: text) {
                format.style = style
            } else {
                reader.problem("number_format", "'\(text)' is not one of: \(Style.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        if let code = reader.string("country_code") {
            let digits = code.hasPrefix("+") ? String(code.dropFirst()) : code
            if (1...3).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }), !digits.hasPrefix("0") {
                format.countryCode = digits
            } else {
                reader.problem("country_code", "'\(code)' is not a country calling code (1 to 3 digits, e.g. 47)")
            }
        }
        if let prefix = reader.string("trunk_prefix") {
            if prefix.count <= 2, prefix.allSatisfy({ $0.isASCII && $0.isNumber }) {
                format.trunkPrefix = prefix
            } else {
                reader.problem("trunk_prefix", "'\(prefix)' is not a trunk prefix (at most 2 digits, e.g. 0, or empty)")
            }
            if !reader.has("country_code") { reader.problem("trunk_prefix", "has no effect without country_code") }
        }
        if format.style == .national && !reader.has("country_code") {
            reader.problem("number_format", "national needs country_code, the country whose numbers are written nationally")
        }
        return format
    }
}
