// The `postgres:` options of the persist stage: decoding, checks and where problems point.
// No server needed.

import Foundation
import Logging
import PipelineKit
import PostgresNIO
import Testing

@testable import Stages

@Suite struct PostgresConfigTests {
    @Test func splitsScriptsOnTopLevelSemicolonsOnly() {
        let sql = "CREATE TABLE a (x text DEFAULT ';');\n-- c;\n/* d; */ SELECT $f$;$f$, \"q;\";\n\n"
        #expect(PostgresSQLScript.statements(sql) == ["CREATE TABLE a (x text DEFAULT ';')", "SELECT $f$;$f$, \"q;\""])
    }

    @Test func yamlProblemsPointAtTheKey() throws {
        let yaml = """
            stages:
              - validate: {}
              - queue: {embedded: {path: q.sqlite}}
              - persist:
                  postgres: {url: "mysql://h/db", pool: 0}
            """
        let document = try PipelineDocument.parse(yaml, file: "pipeline.yaml", environment: [:])
        do {
            _ = try GraphCompiler.compile(document, plugins: .builtIn)
            Issue.record("a bad postgres config compiled")
        } catch {
            #expect(error.issues.map { "\($0.line):\($0.code.rawValue)" } == ["5:invalid_value", "5:invalid_value"])
        }
        let good = yaml.replacingOccurrences(of: "mysql://h/db\", pool: 0", with: "postgres://u:${PW}@h/db\", pool: 2")
        _ = try GraphCompiler.compile(PipelineDocument.parse(good, file: "pipeline.yaml", environment: ["PW": "s"]), plugins: .builtIn)
    }

    @Test func checksTheURLPoolAndBatch() {
        #expect(PostgresStoreConfig(url: "postgres://u@h:5432/db").problems().isEmpty)
        let problems = PostgresStoreConfig(url: "mysql://h/db", pool: 0, batch: 0).problems()
        #expect(problems.map(\.path) == [["url"], ["pool"], ["batch"]])
        #expect(PostgresStoreConfig(url: "postgres://u@h/db?sslmode=maybe").problems().first?.message.contains("sslmode") == true)
    }

    @Test func operationTimeoutIsReadInMillisecondsAndChecked() throws {
        let yaml = """
            stages:
              - validate: {}
              - queue: {embedded: {path: q.sqlite}}
              - persist: {postgres: {url: "postgres://u@h/db", operation_timeout_ms: 1500}}
            """
        let graph = try GraphCompiler.compile(PipelineDocument.parse(yaml, file: "pipeline.yaml", environment: [:]), plugins: .builtIn)
        guard let config = graph.storeDriver?.config(as: PostgresStoreDriver.self) else {
            Issue.record("no postgres persist stage")
            return
        }
        #expect(config.operationTimeoutMilliseconds == 1500)
        #expect(PostgresStoreConfig(url: "postgres://u@h/db").operationTimeoutMilliseconds == 30_000)
        let problems = PostgresStoreConfig(url: "postgres://u@h/db", operationTimeoutMilliseconds: 0).problems()
        #expect(problems.map(\.path) == [["operation_timeout_ms"]])
    }
}
