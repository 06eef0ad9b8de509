import Foundation

/// TP-SCTS / TP-DT (3GPP TS 23.040 §9.2.3.11): seven octets of swapped semi-octets —
/// year, month, day, hour, minute, second, and the zone in quarter hours (bit 3 of the
/// first digit its sign).
enum SMSTimestamp {
    static func read(_ reader: inout PDUReader, field: String) throws(PDUError) -> Date {
        let octets = Array(try reader.bytes(7, field))
        var values: [Int] = []
        for (i, o) in octets.prefix(6).enumerated() {
            let lo = Int(o & 0x0F)
            let hi = Int(o >> 4)
            guard lo <= 9, hi <= 9 else { throw PDUError(.invalidField, "\(field) octet \(i) (0x\(PDUHex.encode([o]))) is not two decimal digits") }
            values.append(lo * 10 + hi)
        }
        let tz = octets[6]
        let quarters = Int(tz & 0x07) * 10 + Int(tz >> 4)
        let offset = (tz & 0x08 != 0 ? -1 : 1) * quarters * 15 * 60
        var components = DateComponents()
        components.year = 2000 + values[0]
        components.month = values[1]
        components.day = values[2]
        components.hour = values[3]
        components.minute = values[4]
        components.second = values[5]
        guard (1...12).contains(values[1]), (1...31).contains(values[2]), values[3] < 24, values[4] < 60, values[5] < 60,
            let zone = TimeZone(secondsFromGMT: offset)
        else {
            throw PDUError(.invalidField, "\(field) is not a valid time: \(PDUHex.encode(octets))")
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        guard let date = calendar.date(from: components) else {
            throw PDUError(.invalidField, "\(field) is not a valid time: \(PDUHex.encode(octets))")
        }
        return date
    }
}
