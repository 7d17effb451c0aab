// PostgresErrorText: turns postgres-nio errors into one readable sentence. PSQLError hides its
// details from `description` (to keep them off end-user pages); logs and health details need
// the server's message, never the query's bound values.

internal import PostgresNIO

enum PostgresErrorText {
    /// The server's SQLSTATE and message, or the client-side cause.
    static func describe(_ error: any Error) -> String {
        if let transaction = error as? PostgresTransactionError {
            let inner = transaction.beginError ?? transaction.closureError ?? transaction.commitError ?? transaction.rollbackError
            return inner.map(describe) ?? "transaction failed"
        }
        if let error = error as? StoreError { return error.description }
        guard let error = error as? PSQLError else { return String(describing: error) }
        if let info = error.serverInfo, let message = info[.message] {
            var text = "\(info[.sqlState] ?? "server error") \(message)"
            if let detail = info[.detail] { text += " (\(detail))" }
            return text
        }
        if let underlying = error.underlying { return "\(error.code): \(underlying)" }
        return "\(error.code)"
    }

    /// The error the transaction's closure threw, when the rollback went through: what the
    /// caller's code raised, not postgres-nio's wrapper.
    static func unwrap(_ error: any Error) -> any Error {
        if let transaction = error as? PostgresTransactionError, transaction.rollbackError == nil, let inner = transaction.closureError {
            return inner
        }
        return error
    }
}
