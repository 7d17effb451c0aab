#!/usr/bin/env python3
"""Fails when a public declaration in Sources/PipelineKit has no `///` doc comment.

A declaration is a line whose code starts with `public` (after indentation) and declares a
struct, enum, class, protocol, actor, func, init, subscript, var, let, typealias or case,
including the `public static`, `public mutating`, `public final`, `public private(set)` and
similar forms. The `///` block must end right above the declaration or above the attribute
lines (`@discardableResult`, `@inlinable`, ...) that precede it. `public import` lines are
ignored, and so are lines inside `/* */` comments or multi-line string literals.

Usage: python3 scripts/check-public-docs.py [ROOT]   (ROOT defaults to Sources/PipelineKit)
Exit status: 0 when every public declaration is documented, 1 otherwise (each miss is listed
as `file:line: declaration`).
"""

import pathlib
import re
import sys

KEYWORDS = (
    "struct|enum|class|protocol|actor|func|init|subscript|var|let|typealias|case"
)
# Modifiers that may sit between `public` and the declaration keyword.
MODIFIERS = (
    r"(?:static|class|final|mutating|nonmutating|override|convenience|required|lazy|"
    r"indirect|nonisolated|consuming|borrowing|dynamic|private\(set\)|fileprivate\(set\)|"
    r"internal\(set\)|package\(set\))"
)
DECLARATION = re.compile(
    r"^public\s+(?:" + MODIFIERS + r"\s+)*(?:" + KEYWORDS + r")\b"
)
ATTRIBUTE = re.compile(r"^@\w+(?:\(.*\))?\s*$")
# Attributes written on the declaration's own line, before `public`.
LEADING_ATTRIBUTES = re.compile(r"^(?:@\w+(?:\([^)]*\))?\s+)+")


def code_lines(text):
    """Yields (line number, stripped line, inside_block) with block comments and multi-line
    string literals marked, so their contents are never taken for declarations."""
    in_block = 0  # nesting depth of /* */
    in_string = False  # inside a """ literal
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        hidden = in_block > 0 or in_string
        # Track state changes on this line (simple scan; good enough for this code base).
        i = 0
        while i < len(raw):
            if in_string:
                if raw.startswith('"""', i):
                    in_string = False
                    i += 3
                    continue
                i += 1
                continue
            if in_block:
                if raw.startswith("*/", i):
                    in_block -= 1
                    i += 2
                    continue
                if raw.startswith("/*", i):
                    in_block += 1
                    i += 2
                    continue
                i += 1
                continue
            if raw.startswith("//", i):
                break
            if raw.startswith('"""', i):
                in_string = True
                i += 3
                continue
            if raw.startswith('"', i):
                # Single-line string literal: skip to its closing quote.
                i += 1
                while i < len(raw) and raw[i] != '"':
                    i += 2 if raw[i] == "\\" else 1
                i += 1
                continue
            if raw.startswith("/*", i):
                in_block += 1
                i += 2
                continue
            i += 1
        yield number, line, hidden


def check_file(path):
    """Returns the undocumented public declarations in one file as (line, text) pairs."""
    misses = []
    previous = []  # stripped visible lines seen so far
    for number, line, hidden in code_lines(path.read_text(encoding="utf-8")):
        if hidden:
            previous.append("")
            continue
        code = LEADING_ATTRIBUTES.sub("", line)
        if DECLARATION.match(code) and not code.startswith("public import"):
            # Walk back over attribute lines to the line that must be `///`.
            j = len(previous) - 1
            while j >= 0 and ATTRIBUTE.match(previous[j]):
                j -= 1
            if j < 0 or not previous[j].startswith("///"):
                misses.append((number, line))
        previous.append(line)
    return misses


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "Sources/PipelineKit")
    if not root.is_dir():
        print(f"check-public-docs: {root} is not a directory", file=sys.stderr)
        return 2
    count = 0
    for path in sorted(root.rglob("*.swift")):
        for number, line in check_file(path):
            print(f"{path}:{number}: {line}")
            count += 1
    if count:
        print(f"check-public-docs: {count} public declaration(s) without a /// comment",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
