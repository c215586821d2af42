import Foundation
import GRDB

/// An API token as the ledger keeps it: never the bearer string, only its sha256.
public struct ServiceToken: Sendable, Hashable, Codable {
    public var id: Int64
    public var name: String
    public var role: String
    public var tokenSHA256: String
    public var createdAt: Date
    public var revokedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, name, role
        case tokenSHA256 = "token_sha256"
        case createdAt = "created_at"
        case revokedAt = "revoked_at"
    }
}

extension Ledger {
    /// Stores a token's hash with its role and name, and appends `token.created` (no secret in it).
    public func createToken(name: String, role: String, sha256: String, at: Date) throws -> ServiceToken {
        try write { db in
            try db.run("INSERT INTO service_token (name, role, token_sha256, created_at) VALUES (?, ?, ?, ?)",
                       [name, role, sha256, at.unix])
            let id = db.lastInsertedRowID
            var chain = try AuditChain.head(db)
            var payload = JSONWriter()
            payload.add("id", Int(id))
            payload.add("name", name)
            payload.add("role", role)
            try chain.append(db, kind: .tokenCreated, payload: payload.json, at: at)
            return ServiceToken(id: id, name: name, role: role, tokenSHA256: sha256, createdAt: at, revokedAt: nil)
        }
    }

    /// Every token (revoked ones too), oldest first.
    public func tokens() throws -> [ServiceToken] {
        try read { db in
            try db.rows("SELECT * FROM service_token ORDER BY id").map { row in
                ServiceToken(id: row["id"], name: row["name"], role: row["role"], tokenSHA256: row["token_sha256"],
                             createdAt: Date(unix: row["created_at"]), revokedAt: (row["revoked_at"] as Double?).map(Date.init(unix:)))
            }
        }
    }

    /// Revokes a token by id or name; appends `token.revoked`.
    /// - Returns: how many tokens were revoked (0 when none matched or all were revoked already).
    @discardableResult
    public func revokeToken(idOrName: String, at: Date) throws -> Int {
        try write { db in
            let ids = try db.rows(
                "SELECT id FROM service_token WHERE (CAST(id AS TEXT) = ? OR name = ?) AND revoked_at IS NULL",
                [idOrName, idOrName]).map { $0[0] as Int64 }
            var chain = try AuditChain.head(db)
            for id in ids {
                try db.run("UPDATE service_token SET revoked_at = ? WHERE id = ?", [at.unix, id])
                var payload = JSONWriter()
                payload.add("id", Int(id))
                try chain.append(db, kind: .tokenRevoked, payload: payload.json, at: at)
            }
            return ids.count
        }
    }
}
