#!/usr/bin/env python3
"""Fails when a target imports a module that Package.swift does not declare for it.

SwiftPM builds a target that imports a module it only gets through another dependency
(HTTPTypes through Hummingbird), until that dependency stops exporting it. Every module a
target imports must be in its own `dependencies`. The toolchain's modules (Foundation,
Synchronization, Testing, the C libraries) need no declaration.

Usage: scripts/check_imports.py [--package-json FILE]
  Without --package-json it runs `swift package dump-package` with SWITCHBOARD_BENCHMARKS=1,
  so the benchmark targets are checked too.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

TOOLCHAIN = {
    "Foundation", "FoundationEssentials", "FoundationNetworking", "FoundationXML", "Dispatch",
    "Synchronization", "Observation", "RegexBuilder", "Swift", "_Concurrency", "Testing", "XCTest",
    "Glibc", "Musl", "Darwin", "os",
}

IMPORT = re.compile(
    r"^\s*(?:@[\w]+(?:\([^)]*\))?\s+)*(?:public\s+|package\s+|internal\s+|private\s+|fileprivate\s+)?"
    r"import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?([A-Za-z_][A-Za-z0-9_]*)",
    re.MULTILINE,
)


def declared(target):
    names = set()
    for dependency in target.get("dependencies", []):
        for kind in ("byName", "target", "product"):
            if kind in dependency:
                names.add(dependency[kind][0])
    return names


def target_dir(root, target):
    if target.get("path"):
        return root / target["path"]
    return root / ("Tests" if target["type"] == "test" else "Sources") / target["name"]


def imports(directory):
    found = set()
    for source in directory.rglob("*.swift"):
        found.update(IMPORT.findall(source.read_text(encoding="utf-8")))
    return found


def main(argv):
    root = Path(__file__).resolve().parent.parent
    if len(argv) == 3 and argv[1] == "--package-json":
        package = json.loads(Path(argv[2]).read_text())
    else:
        env = dict(os.environ, SWITCHBOARD_BENCHMARKS="1")
        out = subprocess.run(["swift", "package", "dump-package"], cwd=root, env=env, check=True, capture_output=True, text=True)
        package = json.loads(out.stdout)
    problems = []
    for target in package["targets"]:
        missing = imports(target_dir(root, target)) - declared(target) - TOOLCHAIN - {target["name"]}
        for module in sorted(missing):
            problems.append(f"{target['name']} imports {module}, which its dependencies in Package.swift do not declare")
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"every module imported by the {len(package['targets'])} targets is declared")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
