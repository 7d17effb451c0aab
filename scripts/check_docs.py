#!/usr/bin/env python3
"""The documentation checks behind scripts/check-docs.sh (read its header for what they do).

python3 scripts/check_docs.py --static             config fields and routes against the docs
python3 scripts/check_docs.py --binary SMOLHOGD    the same, then every runnable block
"""
import argparse
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARKER = re.compile(r"^\s*<!--\s*check-docs:\s*run(?P<options>[^>]*?)\s*-->\s*$")
FENCE_OPEN = re.compile(r"^\s*```sh\s*$")
DOC_ADDRESSES = ("localhost:8000", "127.0.0.1:8000")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def swift_sources():
    return sorted(glob.glob(os.path.join(ROOT, "Sources", "**", "*.swift"), recursive=True))


# ── 1. config fields ─────────────────────────────────────────────────────────────────────────


def enclosing_type(lines, index):
    """The type declared around line `index` (`Outer.Inner`), found by indentation."""
    indent = len(lines[index]) - len(lines[index].lstrip())
    declaration = re.compile(r"^(\s*)(?:[\w@()]+\s+)*(?:struct|enum|class|actor|extension)\s+([\w.]+)")
    names = []
    for line in reversed(lines[:index]):
        found = declaration.match(line)
        if found and len(found.group(1)) < indent:
            names.insert(0, found.group(2))
            indent = len(found.group(1))
    return ".".join(names) or "?"


def coding_keys(path):
    """(type, yaml name) for every case of every `enum CodingKeys` in a Swift file."""
    text = read(path)
    lines = text.split("\n")
    fields = []
    for match in re.finditer(r"\benum\s+CodingKeys\b[^{]*\{", text):
        depth, position = 1, match.end()
        while depth and position < len(text):
            depth += {"{": 1, "}": -1}.get(text[position], 0)
            position += 1
        body = re.sub(r"//[^\n]*", "", text[match.end():position - 1])
        owner = enclosing_type(lines, text.count("\n", 0, match.start()))
        for case in re.finditer(r"\bcase\s+([^\n;}]+)", body):
            for item in case.group(1).split(","):
                item = item.strip()
                named = re.fullmatch(r'(\w+)\s*=\s*"([^"]+)"', item)
                if named:
                    fields.append((owner, named.group(2)))
                elif re.fullmatch(r"\w+", item):
                    fields.append((owner, item))
    return fields


def documented(name, text):
    return f"`{name}`" in text or re.search(r"(^|[\s{,])" + re.escape(name) + r":", text, re.M) is not None


PLUGIN_NAME = re.compile(r'^\s*(?:public\s+)?static\s+(?:let|var)\s+name\s*(?::\s*String\s*)?(?:=\s*"([^"]+)"|\{\s*"([^"]+)"\s*\})', re.M)


def check_config_fields():
    doc_path = os.path.join(ROOT, "docs", "configuration.md")
    if not os.path.exists(doc_path):
        return ["docs/configuration.md does not exist"]
    doc = read(doc_path)
    problems, count, names = [], 0, 0
    for path in swift_sources():
        for owner, name in coding_keys(path):
            count += 1
            if not documented(name, doc):
                problems.append(f"{os.path.relpath(path, ROOT)}: {owner}: config field '{name}' is not in docs/configuration.md")
        # The YAML names of stage kinds and drivers (`static let name = "sqlite"`).
        for found in PLUGIN_NAME.finditer(read(path)):
            names += 1
            name = found.group(1) or found.group(2)
            if not documented(name, doc):
                problems.append(f"{os.path.relpath(path, ROOT)}: stage or driver name '{name}' is not in docs/configuration.md")
    if count == 0:
        problems.append("found no `enum CodingKeys` under Sources/; the config check has nothing to compare")
    print(f"check-docs: {count} config fields and {names} stage and driver names checked against docs/configuration.md")
    return problems


# ── 2. routes ────────────────────────────────────────────────────────────────────────────────


def check_routes():
    doc_path = os.path.join(ROOT, "docs", "api.md")
    if not os.path.exists(doc_path):
        return ["docs/api.md does not exist"]
    doc = read(doc_path)
    problems, count = [], 0
    route = re.compile(r'\brouter\.(get|post|put|patch|delete)\(\s*"([^"]+)"')
    for path in swift_sources():
        for method, target in route.findall(read(path)):
            count += 1
            if not re.search(re.escape(f"{method.upper()} {target}") + r"(?![\w/{-])", doc):
                problems.append(f"{os.path.relpath(path, ROOT)}: route {method.upper()} {target} is not in docs/api.md")
    print(f"check-docs: {count} routes checked against docs/api.md")
    return problems + check_openapi_operations(doc)


def check_openapi_operations(doc):
    """Every operation of docs/openapi.json is in docs/api.md as `METHOD /path`."""
    spec_path = os.path.join(ROOT, "docs", "openapi.json")
    try:
        paths = json.loads(read(spec_path)).get("paths", {})
    except (OSError, ValueError) as error:
        return [f"docs/openapi.json: {error}"]
    methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    problems, count = [], 0
    for target, item in paths.items():
        for method in sorted(set(item) & methods):
            count += 1
            if not re.search(re.escape(f"{method.upper()} {target}") + r"(?![\w/{-])", doc):
                problems.append(f"docs/openapi.json: operation {method.upper()} {target} is not in docs/api.md")
    print(f"check-docs: {count} operations of docs/openapi.json checked against docs/api.md")
    return problems


# ── 3. runnable blocks ───────────────────────────────────────────────────────────────────────


def runnable_blocks():
    """(file, line, options, code) of each marked ```sh block, README first."""
    files = [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
    blocks = []
    for path in files:
        lines = read(path).split("\n")
        for index, line in enumerate(lines):
            marker = MARKER.match(line)
            if not marker:
                continue
            if index + 1 >= len(lines) or not FENCE_OPEN.match(lines[index + 1]):
                raise SystemExit(f"{os.path.relpath(path, ROOT)}:{index + 1}: the check-docs marker must stand right before a ```sh fence")
            end = index + 2
            while end < len(lines) and lines[end].strip() != "```":
                end += 1
            code = textwrap.dedent("\n".join(lines[index + 2:end]))
            blocks.append((os.path.relpath(path, ROOT), index + 3, marker.group("options").split(), code))
    return blocks


class Daemon:
    def __init__(self, binary, work):
        self.log_path = os.path.join(work, "smolhogd.log")
        self.log = open(self.log_path, "w")
        config = os.path.join(work, "pipeline.yaml")
        self.process = subprocess.Popen(
            [binary, "serve", "--config", config, "--listen", "127.0.0.1:0"], cwd=work, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def tail(self, lines=40):
        return "\n".join(read(self.log_path).split("\n")[-lines:])

    def wait_for_port(self, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = re.search(r"\bport=(\d+)", read(self.log_path))
            if found and found.group(1) != "0":
                return int(found.group(1))
            if self.process.poll() is not None:
                raise RuntimeError(f"smolhogd exited with status {self.process.returncode} before listening:\n{self.tail()}")
            time.sleep(0.05)
        raise RuntimeError(f"smolhogd logged no port= line within {timeout} s:\n{self.tail()}")

    def stop(self, timeout=30):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                return f"smolhogd did not stop within {timeout} s of SIGTERM:\n{self.tail()}"
        if self.process.returncode != 0:
            return f"smolhogd exited with status {self.process.returncode} after SIGTERM:\n{self.tail()}"
        return None


def wait_healthy(url, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url}/healthz did not answer 200 within {timeout} s")


CURL_FAILS_ON_HTTP_ERRORS = 'curl() { command curl --fail-with-body "$@"; }\n'


def run_blocks(binary, verbose=False):
    blocks = runnable_blocks()
    print(f"check-docs: {len(blocks)} runnable blocks")
    if not blocks:
        return []
    work = tempfile.mkdtemp(prefix="smolhog-docs.")
    shutil.copy(os.path.join(ROOT, "pipeline.yaml"), os.path.join(work, "pipeline.yaml"))
    shutil.copytree(os.path.join(ROOT, "deploy"), os.path.join(work, "deploy"))
    binary = os.path.abspath(binary)
    daemon = Daemon(binary, work)
    problems = []
    try:
        port = daemon.wait_for_port()
        address = f"127.0.0.1:{port}"
        url = "http://" + address
        wait_healthy(url)
        env = {**os.environ, "PATH": os.path.dirname(binary) + os.pathsep + os.environ.get("PATH", ""), "SMOLHOG_URL": url}
        for path, line, options, code in blocks:
            script = code
            for documented_address in DOC_ADDRESSES:
                script = script.replace(documented_address, address)
            prelude = "" if "expect-http-errors" in options else CURL_FAILS_ON_HTTP_ERRORS
            started = time.time()
            result = subprocess.run(
                ["bash", "-e", "-o", "pipefail", "-c", prelude + script], cwd=work, env=env, capture_output=True, text=True, timeout=120)
            took = time.time() - started
            if result.returncode != 0:
                problems.append(
                    f"{path}:{line}: block exited with status {result.returncode}\n--- block\n{script}\n--- stdout\n{result.stdout[-3000:]}"
                    f"\n--- stderr\n{result.stderr[-3000:]}")
            else:
                print(f"check-docs: ok {path}:{line} ({took:.1f} s)")
                if verbose:
                    print(result.stdout + result.stderr)
            if daemon.process.poll() is not None:
                problems.append(f"smolhogd exited with status {daemon.process.returncode} during {path}:{line}:\n{daemon.tail()}")
                break
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        problems.append(str(error))
    finally:
        stopped = daemon.stop()
        if stopped:
            problems.append(stopped)
        shutil.rmtree(work, ignore_errors=True)
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--binary", help="a built smolhogd to run the documented commands against")
    which.add_argument("--static", action="store_true", help="only the checks that need no binary")
    parser.add_argument("--verbose", action="store_true", help="print each block's output")
    args = parser.parse_args()
    problems = check_config_fields() + check_routes()
    if args.binary:
        problems += run_blocks(args.binary, args.verbose)
    for problem in problems:
        print("check-docs: FAIL " + problem, file=sys.stderr)
    print(f"check-docs: {'failed, ' + str(len(problems)) + ' problems' if problems else 'ok'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
