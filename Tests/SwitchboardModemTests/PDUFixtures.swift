import Foundation

/// `Resources/pdu-fixtures.json`, written by `scripts/modem_pdu_fixtures.py` with
/// python-gsmmodem-new (encoder) and smspdudecoder (decoder): PDUs from codecs that are not ours.
struct PDUFixtures: Decodable {
    struct Part: Decodable {
        var hex: String
        var tpduLength: Int
    }
    struct Submit: Decodable {
        var name: String
        var number: String
        var text: String
        var reference: Int
        var validity: Int?
        var report: Bool
        var pdus: [Part]
    }
    struct Concat: Decodable {
        var reference: Int
        var total: Int
        var sequence: Int
    }
    struct Deliver: Decodable {
        var name: String
        var hex: String
        var tpduLength: Int
        var sender: String
        var text: String
        var epoch: Int
        var alphanumeric: Bool
        var concat: Concat?
    }
    struct Status: Decodable {
        var name: String
        var hex: String
        var tpduLength: Int
        var reference: Int
        var recipient: String
        var status: Int
        var epoch: Int
    }

    var submit: [Submit]
    var deliver: [Deliver]
    var status: [Status]

    static let shared: PDUFixtures = {
        let url = Bundle.module.url(forResource: "pdu-fixtures", withExtension: "json", subdirectory: "Resources")!
        return try! JSONDecoder().decode(PDUFixtures.self, from: Data(contentsOf: url))
    }()
}
