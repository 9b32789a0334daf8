#!/usr/bin/env python3
"""Checks that regenerated goldens moved only in the last bits of their numbers.

A change that keeps every formula but rounds differently (a stored reciprocal instead of a division,
exp of a prepared log instead of pow) moves the full doubles of the JSON goldens by a few ulps. This
compares each golden file changed against a git revision (default HEAD) token by token: the text
between numbers must be identical, and every pair of numbers must agree within a relative tolerance
(default 1e-9). Anything else is a formula change and is reported.

    scripts/golden_drift.py [--rev REV] [--rel 1e-9] [FILE...]   (default: every changed tests/golden file)

Exit 0 when every change is within the tolerance, 1 otherwise.
"""
import argparse
import re
import subprocess
import sys

NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def tokens(text):
    """The text split into (is_number, token) pairs."""
    out, last = [], 0
    for match in NUMBER.finditer(text):
        if match.start() > last:
            out.append((False, text[last:match.start()]))
        out.append((True, match.group()))
        last = match.end()
    if last < len(text):
        out.append((False, text[last:]))
    return out


def compare(name, old, new, rel):
    """Problems found between two versions of one file; the count of numbers that moved."""
    a, b = tokens(old), tokens(new)
    if len(a) != len(b):
        return [f"{name}: {len(a)} tokens before, {len(b)} after (the text changed)"], 0
    problems, moved = [], 0
    for (num_a, x), (num_b, y) in zip(a, b):
        if num_a != num_b or (not num_a and x != y):
            problems.append(f"{name}: text differs: {x!r} -> {y!r}")
        elif num_a and x != y:
            fx, fy = float(x), float(y)
            scale = max(abs(fx), abs(fy))
            if scale > 0 and abs(fx - fy) / scale >= rel:
                problems.append(f"{name}: {x} -> {y} (relative {abs(fx - fy) / scale:.3g})")
            moved += 1
    return problems, moved


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="HEAD")
    parser.add_argument("--rel", type=float, default=1e-9)
    parser.add_argument("files", nargs="*")
    args = parser.parse_args()
    files = args.files or subprocess.run(["git", "diff", "--name-only", args.rev, "--", "tests/golden"],
                                         check=True, capture_output=True, text=True).stdout.split()
    problems, moved = [], 0
    for name in files:
        old = subprocess.run(["git", "show", f"{args.rev}:{name}"], check=True, capture_output=True,
                             text=True).stdout
        with open(name, encoding="utf-8") as f:
            found, count = compare(name, old, f.read(), args.rel)
        problems += found
        moved += count
    for p in problems:
        print(p)
    print(f"{len(files)} files, {moved} numbers moved, {len(problems)} beyond relative {args.rel:g}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
