// PostgresSQLScript: splits a migration file into single statements. postgres-nio speaks only
// the extended query protocol, which runs one statement per query, so a file of many
// statements is sent one statement at a time (inside the migration's transaction).

/// Splits SQL text on top-level `;`, keeping `;` inside quotes, dollar quotes and comments.
enum PostgresSQLScript {
    static func statements(_ sql: String) -> [String] {
        let text = Array(sql.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var index = 0
        var hasCode = false

        func flush() {
            let statement = String(current).trimmingWhitespace
            if hasCode && !statement.isEmpty { statements.append(statement) }
            current = String.UnicodeScalarView()
            hasCode = false
        }
        func copy(_ count: Int) {
            let end = min(index + count, text.count)
            current.append(contentsOf: text[index..<end])
            index = end
        }
        func starts(_ prefix: String, at position: Int) -> Bool {
            let scalars = Array(prefix.unicodeScalars)
            guard position + scalars.count <= text.count else { return false }
            return Array(text[position..<position + scalars.count]) == scalars
        }

        while index < text.count {
            let scalar = text[index]
            if starts("--", at: index) {
                // Line comment: up to the end of the line.
                while index < text.count && text[index] != "\n" { index += 1 }
            } else if starts("/*", at: index) {
                // Block comment; PostgreSQL nests them.
                var depth = 0
                repeat {
                    if starts("/*", at: index) {
                        depth += 1
                        index += 2
                    } else if starts("*/", at: index) {
                        depth -= 1
                        index += 2
                    } else {
                        index += 1
                    }
                } while depth > 0 && index < text.count
                current.append(" ")
            } else if scalar == "'" || scalar == "\"" {
                hasCode = true
                let quote = scalar
                copy(1)
                while index < text.count {
                    if text[index] == quote {
                        // A doubled quote is an escaped quote inside the literal.
                        if index + 1 < text.count && text[index + 1] == quote {
                            copy(2)
                            continue
                        }
                        copy(1)
                        break
                    }
                    copy(1)
                }
            } else if scalar == "$", let tag = dollarTag(text, at: index) {
                hasCode = true
                copy(tag.count)
                while index < text.count && !starts(tag, at: index) { copy(1) }
                copy(tag.count)
            } else if scalar == ";" {
                index += 1
                flush()
            } else {
                if !scalar.properties.isWhitespace { hasCode = true }
                copy(1)
            }
        }
        flush()
        return statements
    }

    /// `$$` or `$tag$` starting at `position`, if one does.
    private static func dollarTag(_ text: [Unicode.Scalar], at position: Int) -> String? {
        var end = position + 1
        while end < text.count, text[end] == "_" || text[end].properties.isAlphabetic || (end > position + 1 && ("0"..."9").contains(text[end])) {
            end += 1
        }
        guard end < text.count, text[end] == "$" else { return nil }
        return String(String.UnicodeScalarView(text[position...end]))
    }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
