// NodeDecoder: a Decoder over Yams nodes that keeps every node's line and column, so a type
// error or an unknown key points at its place in pipeline.yaml. It is strict: a key that the
// config type never asks for is reported as unknown.

import Foundation
internal import Yams

/// A decoding problem at a node.
struct NodeProblem: Error {
    var mark: Mark?
    var path: [String]
    var code: ConfigIssue.Code
    var message: String
}

/// Every problem of one decode.
struct NodeProblems: Error {
    var items: [NodeProblem]
    init(_ items: [NodeProblem]) { self.items = items }
}

/// Decodes `T` from `node`; returns the value or every problem found (type errors stop at
/// the first, unknown keys are all reported).
func decodeStrictly<T: Decodable>(
    _ type: T.Type, from node: Node, path: [String], userInfo: [CodingUserInfoKey: Any] = [:]
) -> Result<T, NodeProblems> {
    let state = NodeDecodingState(userInfo: userInfo)
    do {
        let value = try T(from: NodeDecoder(node: node, path: path, state: state))
        let unknown = state.unknownKeyProblems()
        return unknown.isEmpty ? .success(value) : .failure(NodeProblems(unknown))
    } catch let problem as NodeProblem {
        return .failure(NodeProblems([problem]))
    } catch let error as DecodingError {
        return .failure(NodeProblems([problem(from: error, root: node, rootPath: path)]))
    } catch {
        return .failure(NodeProblems([NodeProblem(mark: node.mark, path: path, code: .invalidValue, message: "\(error)")]))
    }
}

private func problem(from error: DecodingError, root: Node, rootPath: [String]) -> NodeProblem {
    func locate(_ codingPath: [any CodingKey]) -> (Node, [String]) {
        var node = root
        var path = rootPath
        for key in codingPath {
            if let index = key.intValue, case .sequence(let sequence) = node, index < sequence.count {
                node = sequence[index]
                path.append("[\(index)]")
            } else if case .mapping(let mapping) = node, let child = mapping.first(where: { $0.key.string == key.stringValue })?.value {
                node = child
                path.append(key.stringValue)
            } else {
                path.append(key.stringValue)
            }
        }
        return (node, path)
    }
    switch error {
    case .typeMismatch(let type, let context):
        let (node, path) = locate(context.codingPath)
        return NodeProblem(mark: node.mark, path: path, code: .wrongType, message: "expected \(describe(type)), got \(describe(node))")
    case .valueNotFound(let type, let context):
        let (node, path) = locate(context.codingPath)
        return NodeProblem(mark: node.mark, path: path, code: .missingField, message: "expected \(describe(type)), got nothing")
    case .keyNotFound(let key, let context):
        let (node, path) = locate(context.codingPath)
        return NodeProblem(mark: node.mark, path: path + [key.stringValue], code: .missingField, message: "required field '\(key.stringValue)' is missing")
    case .dataCorrupted(let context):
        let (node, path) = locate(context.codingPath)
        return NodeProblem(mark: node.mark, path: path, code: .invalidValue, message: context.debugDescription)
    @unknown default:
        return NodeProblem(mark: root.mark, path: rootPath, code: .invalidValue, message: "\(error)")
    }
}

func describe(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: "a string"
    case is Bool.Type: "a boolean (true or false)"
    case is Int.Type, is Int64.Type, is Int32.Type, is UInt.Type, is UInt64.Type: "an integer"
    case is Double.Type, is Float.Type: "a number"
    default:
        String(describing: type).hasPrefix("Array") ? "a list" : "a mapping (\(String(describing: type)))"
    }
}

func describe(_ node: Node) -> String {
    switch node {
    case .scalar(let scalar): scalar.string.isEmpty ? "an empty value" : "'\(scalar.string)'"
    case .mapping: "a mapping"
    case .sequence: "a list"
    case .alias: "an alias"
    }
}

/// Shared by all containers of one decode: records which keys each mapping was asked for.
final class NodeDecodingState {
    final class Visit {
        let mapping: Node.Mapping
        let path: [String]
        var asked: Set<String> = []
        var askedAll = false
        init(mapping: Node.Mapping, path: [String]) {
            self.mapping = mapping
            self.path = path
        }
    }
    var visits: [Visit] = []
    /// What the caller hands every config type (the driver registry).
    let userInfo: [CodingUserInfoKey: Any]
    init(userInfo: [CodingUserInfoKey: Any]) { self.userInfo = userInfo }

    func unknownKeyProblems() -> [NodeProblem] {
        var problems: [NodeProblem] = []
        for visit in visits where !visit.askedAll {
            let known = visit.asked.sorted()
            for (key, _) in visit.mapping {
                let name = key.string ?? "?"
                guard !visit.asked.contains(name) else { continue }
                // Another container on the same mapping may have asked for it.
                if visits.contains(where: {
                    $0 !== visit && $0.mapping.mark?.line == visit.mapping.mark?.line && $0.mapping.mark?.column == visit.mapping.mark?.column
                        && $0.asked.contains(name)
                }) {
                    continue
                }
                let expected = known.isEmpty ? "no fields" : "one of: " + known.joined(separator: ", ")
                problems.append(
                    NodeProblem(
                        mark: key.mark, path: visit.path + [name], code: .unknownField,
                        message: "unknown field '\(name)'\(didYouMean(name, in: known)); expected \(expected)"))
            }
        }
        return problems
    }
}

struct NodeDecoder: Decoder {
    let node: Node
    let path: [String]
    let state: NodeDecodingState
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { state.userInfo }

    init(node: Node, path: [String], state: NodeDecodingState, codingPath: [any CodingKey] = []) {
        self.node = node
        self.path = path
        self.state = state
        self.codingPath = codingPath
    }

    func mismatch(_ expected: String) -> NodeProblem {
        NodeProblem(mark: node.mark, path: path, code: .wrongType, message: "expected \(expected), got \(describe(node))")
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .mapping(let mapping) = node else { throw mismatch("a mapping") }
        let visit = NodeDecodingState.Visit(mapping: mapping, path: path)
        state.visits.append(visit)
        return KeyedDecodingContainer(KeyedNodeContainer<Key>(decoder: self, mapping: mapping, visit: visit))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .sequence(let sequence) = node else { throw mismatch("a list") }
        return UnkeyedNodeContainer(decoder: self, items: Array(sequence))
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleNodeContainer(decoder: self) }

    func child(_ node: Node, key: any CodingKey, name: String) -> NodeDecoder {
        NodeDecoder(node: node, path: path + [name], state: state, codingPath: codingPath + [key])
    }
}

private struct KeyedNodeContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: NodeDecoder
    let mapping: Node.Mapping
    let visit: NodeDecodingState.Visit
    var codingPath: [any CodingKey] { decoder.codingPath }

    var allKeys: [Key] {
        visit.askedAll = true
        return mapping.compactMap { $0.key.string.flatMap(Key.init(stringValue:)) }
    }

    func value(for key: Key) -> Node? {
        visit.asked.insert(key.stringValue)
        return mapping.first { $0.key.string == key.stringValue }?.value
    }

    func contains(_ key: Key) -> Bool { value(for: key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let node = value(for: key) else { return true }
        return node.isNullScalar
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        guard let node = value(for: key) else {
            throw NodeProblem(
                mark: mapping.mark, path: decoder.path + [key.stringValue], code: .missingField, message: "required field '\(key.stringValue)' is missing")
        }
        return try T(from: decoder.child(node, key: key, name: key.stringValue))
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let node = value(for: key), !node.isNullScalar else { return nil }
        return try T(from: decoder.child(node, key: key, name: key.stringValue))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder.child(value(for: key) ?? Node.Mapping([]).asNode, key: key, name: key.stringValue).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder.child(value(for: key) ?? Node.Sequence([]).asNode, key: key, name: key.stringValue).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder {
        decoder.child(value(for: key) ?? Node("", Tag(.null)), key: key, name: key.stringValue)
    }
}

private struct IndexKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ index: Int) {
        stringValue = "[\(index)]"
        intValue = index
    }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.init(intValue) }
}

private struct UnkeyedNodeContainer: UnkeyedDecodingContainer {
    let decoder: NodeDecoder
    let items: [Node]
    var currentIndex = 0
    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    init(decoder: NodeDecoder, items: [Node]) {
        self.decoder = decoder
        self.items = items
    }

    mutating func nextDecoder() throws -> NodeDecoder {
        guard !isAtEnd else {
            throw NodeProblem(mark: decoder.node.mark, path: decoder.path, code: .missingField, message: "list has too few items")
        }
        defer { currentIndex += 1 }
        return decoder.child(items[currentIndex], key: IndexKey(currentIndex), name: "[\(currentIndex)]")
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex].isNullScalar else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: nextDecoder()) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try nextDecoder().container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try nextDecoder().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try nextDecoder() }
}

private struct SingleNodeContainer: SingleValueDecodingContainer {
    let decoder: NodeDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func scalar(_ expected: String) throws -> Node.Scalar {
        guard case .scalar(let scalar) = decoder.node else { throw decoder.mismatch(expected) }
        return scalar
    }

    func construct<T: ScalarConstructible>(_ type: T.Type, _ expected: String) throws -> T {
        guard let value = T.construct(from: try scalar(expected)) else { throw decoder.mismatch(expected) }
        return value
    }

    func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let text = try scalar("an integer").string.replacingOccurrences(of: "_", with: "")
        guard let value = T(text) else { throw decoder.mismatch("an integer") }
        return value
    }

    func decodeNil() -> Bool { decoder.node.isNullScalar }
    func decode(_ type: Bool.Type) throws -> Bool { try construct(Bool.self, "a boolean (true or false)") }
    func decode(_ type: String.Type) throws -> String { try scalar("a string").string }
    func decode(_ type: Double.Type) throws -> Double { try construct(Double.self, "a number") }
    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }
    func decode(_ type: Int.Type) throws -> Int { try integer(Int.self) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(Int8.self) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(Int16.self) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(Int32.self) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(Int64.self) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(UInt.self) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(UInt8.self) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(UInt16.self) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(UInt32.self) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(UInt64.self) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: decoder) }
}

extension Node {
    var isNullScalar: Bool {
        guard case .scalar(let scalar) = self else { return false }
        return scalar.tag.description == Tag.Name.null.rawValue || (scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string))
    }
}

extension Node.Mapping {
    var asNode: Node { .mapping(self) }
}

extension Node.Sequence {
    var asNode: Node { .sequence(self) }
}
