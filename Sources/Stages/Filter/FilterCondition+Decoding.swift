// Decoding `filter` conditions from YAML: every mistake is recorded at its node and decoding
// goes on, so `check-config` lists them all; unknown keys are left to the strict decoder,
// which names them with "did you mean".

import PipelineKit

extension FilterCondition {
    /// Every key a condition mapping may have.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case property, field, event
        case equals
        case oneOf = "in"
        case regex, exists, gt, gte, lt, lte
        case all, any, not

        var isCombinator: Bool { self == .all || self == .any || self == .not }
        var isSubject: Bool { self == .property || self == .field || self == .event }
        var isNumeric: Bool { self == .gt || self == .gte || self == .lt || self == .lte }
        var isTest: Bool { !isCombinator && !isSubject }
    }

    /// The tests `{event: {...}}` takes.
    enum EventTestKeys: String, CodingKey, CaseIterable {
        case equals
        case oneOf = "in"
        case regex
    }

    static let shape =
        "expected a condition such as {event: NAME}, {property: P, equals: V} or {any: [...]}"

    /// The condition at `decoder`, or nil after recording why it is not one.
    static func decode(_ decoder: any Decoder, _ decoding: inout FilterDecoding) throws -> FilterCondition? {
        guard let (container, present) = try decoding.mapping(at: decoder, CodingKeys.self, expected: shape) else { return nil }
        guard let first = present.first else {
            // Unknown keys alone: the strict decoder names them; an empty mapping is ours.
            decoding.problem(at: decoder, "empty condition; \(shape)")
            return nil
        }
        if let combinator = present.first(where: \.isCombinator) {
            guard present.count == 1 else {
                let other = present.first { $0 != combinator } ?? first
                decoding.problem(
                    at: decoder,
                    "'\(combinator.stringValue)' stands alone in its mapping, got '\(other.stringValue)' beside it; put that condition inside it")
                return nil
            }
            return try decodeCombinator(combinator, container, &decoding)
        }
        let subjects = present.filter(\.isSubject)
        guard subjects.count == 1, let subjectKey = subjects.first else {
            let message =
                subjects.isEmpty
                ? "a condition names what it tests: 'property', 'field' or 'event' (or combines conditions with all, any, not)"
                : "a condition tests one thing, got '\(subjects[0].stringValue)' and '\(subjects[1].stringValue)'; combine two conditions with all: [...]"
            decoding.problem(at: decoder, message)
            return nil
        }
        let tests = present.filter(\.isTest)
        if subjectKey == .event {
            if let test = tests.first {
                decoding.problem(
                    at: decoder, "'event' holds its test ({event: NAME} or {event: {in: [...]}}); '\(test.stringValue)' cannot stand beside it")
                return nil
            }
            return try decodeEvent(container, &decoding)
        }
        let (value, subjectDecoder) = try container.valueAndDecoder(subjectKey)
        let subject = subjectKey == .property ? propertyPath(value, subjectDecoder, &decoding) : field(value, subjectDecoder, &decoding)
        guard let test = try decodeTest(tests, container, subject: subjectKey, at: decoder, &decoding), let subject else { return nil }
        return .test(subject, test)
    }

    private static func decodeCombinator(
        _ key: CodingKeys, _ container: KeyedDecodingContainer<CodingKeys>, _ decoding: inout FilterDecoding
    ) throws -> FilterCondition? {
        let (value, decoder) = try container.valueAndDecoder(key)
        if key == .not { return try decode(decoder, &decoding).map { .not($0) } }
        guard case .array(let items) = value, !items.isEmpty else {
            decoding.problem(at: decoder, "expected a non-empty list of conditions, got \(value.shown)")
            return nil
        }
        var list = try decoder.unkeyedContainer()
        var conditions: [FilterCondition] = []
        var complete = true
        while !list.isAtEnd {
            if let condition = try decode(try list.superDecoder(), &decoding) { conditions.append(condition) } else { complete = false }
        }
        guard complete else { return nil }
        return key == .all ? .all(conditions) : .any(conditions)
    }

    /// `{event: NAME}` or `{event: {equals|in|regex: ...}}`: a test of `event_name`.
    private static func decodeEvent(_ container: KeyedDecodingContainer<CodingKeys>, _ decoding: inout FilterDecoding) throws -> FilterCondition? {
        let (value, decoder) = try container.valueAndDecoder(.event)
        let subject = FilterSubject.field(.eventName)
        switch value {
        case .string(let name):
            return .test(subject, .equals(.string(name)))
        case .object:
            let inner = try decoder.container(keyedBy: EventTestKeys.self)
            let tests = inner.presentKeys(EventTestKeys.allCases)
            guard tests.count == 1, let key = tests.first else {
                decoding.problem(
                    at: decoder,
                    tests.isEmpty ? "expected one test of the event name: equals, in or regex" : "expected one test of the event name, got \(tests.count)")
                return nil
            }
            let (testValue, testDecoder) = try inner.valueAndDecoder(key)
            let test: FilterTest?
            switch key {
            case .equals: test = stringScalar(testValue, of: "event_name", testDecoder, &decoding).map(FilterTest.equals)
            case .oneOf: test = scalarSet(testValue, stringsOf: "event_name", testDecoder, &decoding).map(FilterTest.oneOf)
            case .regex: test = regex(testValue, testDecoder, &decoding).map(FilterTest.matches)
            }
            return test.map { .test(subject, $0) }
        default:
            decoding.problem(at: decoder, "expected an event name or one test of it ({in: [...]}, {regex: ...}), got \(value.shown)\(quoteHint(value))")
            return nil
        }
    }

    /// The test beside `property` or `field`: one of equals, in, regex, exists, or numeric
    /// bounds (gt/gte with lt/lte make a range).
    private static func decodeTest(
        _ tests: [CodingKeys], _ container: KeyedDecodingContainer<CodingKeys>, subject: CodingKeys, at decoder: any Decoder,
        _ decoding: inout FilterDecoding
    ) throws -> FilterTest? {
        let numeric = tests.filter(\.isNumeric)
        let others = tests.filter { !$0.isNumeric }
        guard !tests.isEmpty else {
            decoding.problem(at: decoder, "expected a test beside '\(subject.stringValue)': equals, in, regex, exists, gt, gte, lt or lte")
            return nil
        }
        guard others.count + (numeric.isEmpty ? 0 : 1) == 1 else {
            let names = tests.map { "'\($0.stringValue)'" }.joined(separator: " and ")
            decoding.problem(at: decoder, "one test per condition, got \(names); combine tests with all: [...] (only gt/gte and lt/lte may share a mapping)")
            return nil
        }
        // The event's fields are strings: values to compare them with must be strings too.
        let fieldName = subject == .field ? ((try? container.decode(String.self, forKey: .field)) ?? "the field") : nil
        if !numeric.isEmpty { return try decodeRange(numeric, container, fieldName: fieldName, &decoding) }
        let key = others[0]
        let (value, valueDecoder) = try container.valueAndDecoder(key)
        switch key {
        case .equals:
            if let fieldName { return stringScalar(value, of: fieldName, valueDecoder, &decoding).map(FilterTest.equals) }
            guard let scalar = FilterScalar(value) else {
                let hint = value == .null ? "; to test for a missing or null property, use exists: false" : ""
                decoding.problem(at: valueDecoder, "expected a string, number or boolean, got \(value.shown)\(hint)")
                return nil
            }
            return .equals(scalar)
        case .oneOf:
            return scalarSet(value, stringsOf: fieldName, valueDecoder, &decoding).map(FilterTest.oneOf)
        case .regex:
            return regex(value, valueDecoder, &decoding).map(FilterTest.matches)
        case .exists:
            guard case .bool(let flag) = value else {
                decoding.problem(at: valueDecoder, "expected true or false, got \(value.shown)")
                return nil
            }
            return .exists(flag)
        default:
            return nil
        }
    }

    private static func decodeRange(
        _ keys: [CodingKeys], _ container: KeyedDecodingContainer<CodingKeys>, fieldName: String?, _ decoding: inout FilterDecoding
    ) throws -> FilterTest? {
        var lower: FilterBound?
        var upper: FilterBound?
        var complete = true
        for key in keys {
            let (value, decoder) = try container.valueAndDecoder(key)
            if let fieldName {
                decoding.problem(at: decoder, "'\(key.stringValue)' compares numbers, and \(fieldName) is a string; use equals, in or regex")
                complete = false
                continue
            }
            guard case .number(let number) = value else {
                decoding.problem(at: decoder, "expected a number, got \(value.shown)")
                complete = false
                continue
            }
            let bound = FilterBound(value: number.doubleValue, inclusive: key == .gte || key == .lte)
            let isLower = key == .gt || key == .gte
            if isLower ? lower != nil : upper != nil {
                decoding.problem(at: decoder, "'gt' and 'gte' (or 'lt' and 'lte') both bound the same side; keep one")
                complete = false
            }
            if isLower { lower = bound } else { upper = bound }
        }
        return complete ? .range(lower: lower, upper: upper) : nil
    }

    /// A property path: `cart.total` (dots separate keys) or a list of keys (`["a.b"]` is
    /// the one key `a.b`).
    static func propertyPath(_ value: JSONValue, _ decoder: any Decoder, _ decoding: inout FilterDecoding) -> FilterSubject? {
        let keys: [String]
        switch value {
        case .string(let path):
            keys = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            if keys.contains(where: \.isEmpty) {
                decoding.problem(
                    at: decoder,
                    path.isEmpty
                        ? "expected a property name"
                        : "'\(path)' has an empty key; dots separate nested keys (cart.total), and a key that contains a dot is named in a list of keys ([\"utm.source\"])"
                )
                return nil
            }
        case .array(let items):
            let strings = items.compactMap(\.stringValue)
            guard !items.isEmpty, strings.count == items.count, !strings.contains(where: \.isEmpty) else {
                decoding.problem(at: decoder, "expected a list of non-empty keys, outermost first (such as [cart, total]), got \(value.shown)")
                return nil
            }
            keys = strings
        default:
            decoding.problem(
                at: decoder, "expected a property name (cart.total) or a list of keys ([cart, total]), got \(value.shown)\(quoteHint(value))")
            return nil
        }
        return .property(FilterPropertyPath(slot: decoding.slot(of: keys[0]), rest: Array(keys.dropFirst())))
    }

    static func field(_ value: JSONValue, _ decoder: any Decoder, _ decoding: inout FilterDecoding) -> FilterSubject? {
        let names = FilterField.allCases.map(\.rawValue)
        guard let name = value.stringValue, let field = FilterField(rawValue: name) else {
            let what = value.stringValue.map { "unknown field '\($0)'\(didYouMean($0, in: names))" } ?? "expected a field name, got \(value.shown)"
            decoding.problem(at: decoder, "\(what); expected one of: \(names.joined(separator: ", "))")
            return nil
        }
        return .field(field)
    }

    static func regex(_ value: JSONValue, _ decoder: any Decoder, _ decoding: inout FilterDecoding) -> FilterRegex? {
        guard let pattern = value.stringValue else {
            decoding.problem(at: decoder, "expected a regular expression as a string, got \(value.shown)\(quoteHint(value))")
            return nil
        }
        do {
            return try FilterRegex(pattern)
        } catch {
            decoding.problem(at: decoder, "'\(pattern)' is not a valid regular expression: \(error)")
            return nil
        }
    }

    /// A string to compare a string field with.
    static func stringScalar(_ value: JSONValue, of field: String, _ decoder: any Decoder, _ decoding: inout FilterDecoding) -> FilterScalar? {
        guard let text = value.stringValue else {
            decoding.problem(at: decoder, "\(field) is a string; expected a string, got \(value.shown)\(quoteHint(value))")
            return nil
        }
        return .string(text)
    }

    /// The values of an `in`: a non-empty list of strings, numbers or booleans (strings only
    /// when `field` names a string field).
    static func scalarSet(_ value: JSONValue, stringsOf field: String?, _ decoder: any Decoder, _ decoding: inout FilterDecoding) -> FilterScalarSet? {
        guard case .array(let items) = value, !items.isEmpty else {
            decoding.problem(at: decoder, "expected a non-empty list of values, got \(value.shown)")
            return nil
        }
        var scalars: Set<FilterScalar> = []
        for (index, item) in items.enumerated() {
            guard let scalar = FilterScalar(item), field == nil || item.stringValue != nil else {
                let expected = field.map { "\($0) is a string; expected strings" } ?? "expected strings, numbers or booleans"
                decoding.problem(at: decoder, "\(expected), got \(item.shown) at item \(index)\(quoteHint(item))")
                return nil
            }
            scalars.insert(scalar)
        }
        return FilterScalarSet(values: scalars)
    }

    /// "; quote it" for a YAML scalar that was read as a number or boolean where a string
    /// was expected.
    static func quoteHint(_ value: JSONValue) -> String {
        switch value {
        case .number, .bool: "; quote it to mean the text (\"\(value.shown)\")"
        default: ""
        }
    }
}
