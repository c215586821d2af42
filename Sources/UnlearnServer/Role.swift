/// What a token may do. Every route names the roles it admits.
public enum Role: String, Sendable, CaseIterable, Codable {
    /// Privacy platforms: submit, read and cancel deletion requests.
    case intake
    /// Applications: predictions.
    case predict
    /// Auditors: read requests, the audit trail, status; verify the chain.
    case audit
    /// Operators: status, run a retrain.
    case `operator`
}
