import Crypto
import Foundation
import Hummingbird
import Synchronization
import UnlearnLedger

/// Bearer tokens: made once, stored as sha256 only, checked in constant time.
public enum Tokens {
    /// A new bearer string: `ulk_` and 32 random bytes, base64url.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let base64 = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return "ulk_" + base64
    }

    public static func sha256(_ token: String) -> [UInt8] { Array(SHA256.hash(data: Array(token.utf8))) }

    public static func sha256Hex(_ token: String) -> String {
        sha256(token).map { String(format: "%02x", $0) }.joined()
    }

    /// Creates a token in the store's ledger and returns the bearer string (shown once).
    public static func create(in ledger: Ledger, role: Role, name: String, at: Date = Date()) throws -> (String, ServiceToken) {
        let token = generate()
        return (token, try ledger.createToken(name: name, role: role.rawValue, sha256: sha256Hex(token), at: at))
    }
}

/// The tokens the service admits, cached from the ledger and re-read every second (so a
/// `unlearn token revoke` takes effect within about a second).
final class TokenAuthenticator: Sendable {
    private struct Entry: Sendable {
        var hash: [UInt8]
        var role: Role
        var name: String
    }
    private struct Cache: Sendable {
        var entries: [Entry] = []
        var loaded: ContinuousClock.Instant?
        var refreshing = false
    }

    private let ledger: Ledger
    private let cache = Mutex(Cache())
    private let refresh: Duration = .seconds(1)

    init(ledger: Ledger) {
        self.ledger = ledger
    }

    /// The caller's role and token name, or 401/403.
    func authorize(_ request: Request, roles: [Role]) async throws -> (Role, String) {
        guard let header = request.headers[.authorization], header.count > 7,
              header.prefix(7).lowercased() == "bearer " else { throw APIError.unauthorized }
        // Optional whitespace around the token (RFC 9110 OWS: spaces and tabs), trimmed without
        // Foundation's CharacterSet, which bridges through NSString on every request.
        var token = header.dropFirst(7)
        while let c = token.first, c == " " || c == "\t" { token.removeFirst() }
        while let c = token.last, c == " " || c == "\t" { token.removeLast() }
        let presented = Tokens.sha256(String(token))
        let entries = try await current()
        // Compare with every active token, every byte, whatever matched: the time taken does
        // not depend on which token (or how much of a hash) matched.
        var found: Entry?
        for entry in entries {
            var difference: UInt8 = 0
            for i in 0..<32 { difference |= entry.hash[i] ^ presented[i] }
            if difference == 0 { found = entry }
        }
        guard let found else { throw APIError.unauthorized }
        guard roles.contains(found.role) else { throw APIError.forbidden(roles) }
        return (found.role, found.name)
    }

    private func current() async throws -> [Entry] {
        let now = ContinuousClock.now
        // One caller re-reads an expired list; the calls that arrive meanwhile use the list
        // that just expired, instead of every concurrent call reading the ledger at once.
        let cached = cache.withLock { cache -> [Entry]? in
            guard let loaded = cache.loaded else { return nil }
            if now - loaded < refresh || cache.refreshing { return cache.entries }
            cache.refreshing = true
            return nil
        }
        if let cached { return cached }
        let ledger = self.ledger
        let tokens: [ServiceToken]
        do {
            tokens = try await Blocking.run { try ledger.tokens() }
        } catch {
            cache.withLock { $0.refreshing = false }
            throw error
        }
        let entries = tokens.compactMap { token -> Entry? in
            guard token.revokedAt == nil, let role = Role(rawValue: token.role), let hash = hexBytes(token.tokenSHA256), hash.count == 32 else { return nil }
            return Entry(hash: hash, role: role, name: token.name)
        }
        cache.withLock { $0 = Cache(entries: entries, loaded: now) }
        return entries
    }
}

func hexBytes(_ hex: String) -> [UInt8]? {
    var bytes: [UInt8] = []
    var iterator = hex.utf8.makeIterator()
    while let high = iterator.next() {
        guard let low = iterator.next(), let h = hexDigit(high), let l = hexDigit(low) else { return nil }
        bytes.append(h << 4 | l)
    }
    return bytes
}

private func hexDigit(_ c: UInt8) -> UInt8? {
    switch c {
    case 48...57: c - 48
    case 97...102: c - 87
    case 65...70: c - 55
    default: nil
    }
}
