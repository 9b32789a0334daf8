"""Shared fixtures: the llmsizer executable the module is checked against, and the source tree.

ctest runs these with PYTHONPATH at build/python (the module) and LLMSIZER_BINARY naming the
executable (tests/tests.cmake); both come from the same build.
"""
import json
import os
import pathlib
import subprocess

import pytest

SOURCE_DIR = pathlib.Path(__file__).resolve().parents[2]

# The shipped profiles only, for the module and the executable alike.
os.environ.pop("LLMSIZER_PROFILES", None)


def binary():
    path = os.environ.get("LLMSIZER_BINARY")
    if not path:
        pytest.fail("LLMSIZER_BINARY is not set: run these through ctest (tests/tests.cmake)")
    return path


def run_cli(*args):
    """The executable's (exit code, stdout, stderr) for `args`, run from the source tree."""
    done = subprocess.run([binary(), *map(str, args)], capture_output=True, text=True, cwd=SOURCE_DIR)
    return done.returncode, done.stdout, done.stderr


def cli_json(*args):
    """The executable's --json answer; fails the test unless it exits 0."""
    code, out, err = run_cli(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def cli_error(*args):
    """The executable's error text for bad input (exit 2), as the module's InputError carries it."""
    code, out, err = run_cli(*args, "--json")
    assert code == 2, out
    return err.rstrip("\n")


@pytest.fixture(autouse=True)
def in_source_tree(monkeypatch):
    """Relative paths (tests/data/...) read as the executable reads them; each test starts with fresh
    catalogs so that a profile written by one test cannot leak into another."""
    import llmsizer

    monkeypatch.chdir(SOURCE_DIR)
    llmsizer.reload()
    yield
    llmsizer.reload()
