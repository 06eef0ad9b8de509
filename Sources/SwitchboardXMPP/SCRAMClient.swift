import Crypto
import Foundation

/// The client side of SASL SCRAM-SHA-1 (RFC 5802) without channel binding, as a value the
/// state machine steps: the password never leaves this machine, and the server proves in
/// its last message that it knew the salted password too (a server that cannot is refused).
///
/// ```
/// C: n,,n=user,r=<cnonce>
/// S: r=<cnonce+snonce>,s=<salt>,i=<iterations>
/// C: c=biws,r=<cnonce+snonce>,p=<proof>
/// S: v=<server signature>
/// ```
struct SCRAMClient: Sendable {
    /// Fewer rounds than this make the stored key cheap to guess (RFC 5802 §5.1 asks for 4096).
    static let minimumIterations = 4096
    /// More than this would let a server stall the connector for seconds.
    static let maximumIterations = 1_000_000

    let username: String
    let password: String
    let clientNonce: String
    private var clientFirstBare = ""
    private var expectedServerSignature: [UInt8]?

    init(username: String, password: String, clientNonce: String) {
        self.username = username
        self.password = password
        self.clientNonce = clientNonce
    }

    /// A printable random nonce (24 random bytes in base64).
    static func makeNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
    }

    /// `n,,n=user,r=nonce`: `=` and `,` in the name escaped as `=3D` and `=2C` (§5.1).
    mutating func clientFirstMessage() -> String {
        let name = username.replacingOccurrences(of: "=", with: "=3D").replacingOccurrences(of: ",", with: "=2C")
        clientFirstBare = "n=\(name),r=\(clientNonce)"
        return "n,," + clientFirstBare
    }

    /// Answers the server's challenge with the proof, or says why the challenge is refused.
    mutating func clientFinalMessage(serverFirst: String) throws(SCRAMError) -> String {
        let fields = Self.fields(serverFirst)
        guard fields["m"] == nil else { throw SCRAMError("the server asks for an extension (m=) this client does not know") }
        guard let nonce = fields["r"], nonce.hasPrefix(clientNonce), nonce.count > clientNonce.count else {
            throw SCRAMError("the server's nonce does not extend ours")
        }
        guard let saltText = fields["s"], let salt = Data(base64Encoded: saltText), !salt.isEmpty else {
            throw SCRAMError("the server's salt is missing or not base64")
        }
        guard let iterationText = fields["i"], let iterations = Int(iterationText),
            (Self.minimumIterations...Self.maximumIterations).contains(iterations)
        else {
            throw SCRAMError("iteration count \(fields["i"] ?? "missing") is outside \(Self.minimumIterations)...\(Self.maximumIterations)")
        }
        let withoutProof = "c=biws,r=\(nonce)"
        let authMessage = Array("\(clientFirstBare),\(serverFirst),\(withoutProof)".utf8)
        let salted = Self.hi(Array(password.utf8), salt: Array(salt), iterations: iterations)
        let clientKey = Self.hmac(key: salted, Array("Client Key".utf8))
        let storedKey = Array(Insecure.SHA1.hash(data: clientKey))
        let clientSignature = Self.hmac(key: storedKey, authMessage)
        let proof = zip(clientKey, clientSignature).map { $0 ^ $1 }
        let serverKey = Self.hmac(key: salted, Array("Server Key".utf8))
        expectedServerSignature = Self.hmac(key: serverKey, authMessage)
        return "\(withoutProof),p=\(Data(proof).base64EncodedString())"
    }

    /// Checks the server's signature (`v=`); an `e=` is the server's refusal.
    func verifyServerFinal(_ message: String) throws(SCRAMError) {
        let fields = Self.fields(message)
        if let error = fields["e"] { throw SCRAMError("the server refused: \(error)") }
        guard let expected = expectedServerSignature, let text = fields["v"], let signature = Data(base64Encoded: text) else {
            throw SCRAMError("the server's final message has no signature")
        }
        guard Array(signature) == expected else { throw SCRAMError("the server's signature is wrong: it does not know the password") }
    }

    static func fields(_ message: String) -> [String: String] {
        var out: [String: String] = [:]
        for part in message.split(separator: ",", omittingEmptySubsequences: false) {
            guard part.count >= 2, part.dropFirst().first == "=" else { continue }
            let key = String(part.prefix(1))
            if out[key] == nil { out[key] = String(part.dropFirst(2)) }
        }
        return out
    }

    static func hmac(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        Array(HMAC<Insecure.SHA1>.authenticationCode(for: data, using: SymmetricKey(data: key)))
    }

    /// PBKDF2 with HMAC-SHA-1 and one block: RFC 5802's `Hi`.
    static func hi(_ password: [UInt8], salt: [UInt8], iterations: Int) -> [UInt8] {
        let key = SymmetricKey(data: password)
        var u = Array(HMAC<Insecure.SHA1>.authenticationCode(for: salt + [0, 0, 0, 1], using: key))
        var result = u
        for _ in 1..<iterations {
            u = Array(HMAC<Insecure.SHA1>.authenticationCode(for: u, using: key))
            for i in result.indices { result[i] ^= u[i] }
        }
        return result
    }
}

/// Why a SCRAM exchange was given up.
struct SCRAMError: Error, Sendable, Equatable, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
