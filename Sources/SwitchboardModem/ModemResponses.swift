/// Reads the information lines of the answers the connector asks for (3GPP TS 27.005 §3.5,
/// TS 27.007 §7.2, §8.5). Each returns nil for an answer it cannot read, and the caller says so.
package enum ModemResponses {
    /// One stored message from `+CMGL` or `+CMGR`, still as a PDU.
    package struct StoredPDU: Sendable, Equatable {
        /// The storage index (`+CMGL` gives it; for `+CMGR` it is the index asked for).
        package var index: Int
        /// 0 received unread, 1 received read, 2 stored unsent, 3 stored sent.
        package var status: Int
        /// The TPDU's length in octets, as the modem announced it.
        package var length: Int
        package var pdu: String
    }

    /// `+CMGS: <mr>` → the message reference.
    package static func messageReference(_ lines: [String]) -> UInt8? {
        for line in lines {
            let (name, fields) = ModemStateMachine.split(line)
            if name == "+CMGS", let mr = fields.first.flatMap({ Int($0) }), (0...255).contains(mr) { return UInt8(mr) }
        }
        return nil
    }

    /// `+CSQ: <rssi>,<ber>` → rssi 0-31, or nil for 99 (not known or not detectable).
    package static func signal(_ lines: [String]) -> Int?? {
        for line in lines {
            let (name, fields) = ModemStateMachine.split(line)
            if name == "+CSQ", let rssi = fields.first.flatMap({ Int($0) }) { return .some(rssi == 99 ? nil : rssi) }
        }
        return nil
    }

    /// `+CREG: <n>,<stat>[,…]` → stat (1 home, 5 roaming are registered).
    package static func registration(_ lines: [String]) -> Int? {
        for line in lines {
            let (name, fields) = ModemStateMachine.split(line)
            if name == "+CREG", fields.count >= 2, let stat = Int(fields[1]) { return stat }
        }
        return nil
    }

    /// `+CMGL: <index>,<stat>,[<alpha>],<length>` each followed by its PDU line.
    package static func list(_ lines: [String]) -> (messages: [StoredPDU], unreadable: [String]) {
        var messages: [StoredPDU] = []
        var unreadable: [String] = []
        var i = 0
        while i < lines.count {
            let (name, fields) = ModemStateMachine.split(lines[i])
            if name == "+CMGL", fields.count >= 3, let index = Int(fields[0]), let stat = Int(fields[1]),
                let length = fields.last.flatMap({ Int($0) }), i + 1 < lines.count
            {
                messages.append(StoredPDU(index: index, status: stat, length: length, pdu: lines[i + 1]))
                i += 2
            } else {
                unreadable.append(lines[i])
                i += 1
            }
        }
        return (messages, unreadable)
    }

    /// `+CMGR: <stat>,[<alpha>],<length>` and the PDU line; nil for an empty slot or an odd answer.
    package static func read(_ lines: [String], index: Int) -> StoredPDU? {
        guard lines.count >= 2 else { return nil }
        let (name, fields) = ModemStateMachine.split(lines[0])
        guard name == "+CMGR", fields.count >= 2, let stat = Int(fields[0]), let length = fields.last.flatMap({ Int($0) }) else {
            return nil
        }
        return StoredPDU(index: index, status: stat, length: length, pdu: lines[1])
    }
}
