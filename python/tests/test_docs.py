"""docs/python.md is a notebook session: its ```python blocks run here, in order, in one namespace,
from the source tree, so a renamed function, keyword or key breaks this test rather than the page.

What a block prints is its comment lines at the start of a line (`# text`): after the code runs, its
output must read exactly so, with runs of spaces taken as one and a `# ...` line standing for any
number of lines left out. A block that prints something its comments do not show fails too, so a
recalibration that moves a printed number fails here until the page shows the new one."""
import re

import pytest

import llmsizer
from conftest import SOURCE_DIR

DOC = SOURCE_DIR / "docs" / "python.md"


def python_blocks(text):
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)


def shown_output(block):
    """The output a block's comments show: its lines starting with '#', without the '# '."""
    return [line[2:] if line.startswith("# ") else line[1:] for line in block.splitlines() if line.startswith("#")]


def normalised(line):
    return " ".join(line.split())


def output_mismatch(shown, printed):
    """None when `printed` (text) reads as `shown` (lines; '...' elides lines), else why not."""
    lines = [normalised(line) for line in printed.splitlines()]
    pattern = "".join(r"(?:.*\n)*?" if normalised(s) == "..." else re.escape(normalised(s)) + r"\n" for s in shown)
    if re.fullmatch(pattern, "".join(line + "\n" for line in lines)):
        return None
    if not shown:
        return "the block prints output its comments do not show:\n" + printed
    return "the comments show:\n" + "\n".join(shown) + "\nbut the block prints:\n" + printed


def test_the_blocks_are_found():
    blocks = python_blocks("intro\n```python\nx = 1\n```\ntext\n```sh\nls\n```\n```python\ny = x\n```\n")
    assert blocks == ["x = 1\n", "y = x\n"]


def test_the_comments_are_checked_against_the_output():
    block = "print(1)\n# 1\nfor i in range(4):\n    print(i,  i * i)  # a remark in code\n# 0  0\n# ...\n# 3 9\n"
    assert shown_output(block) == ["1", "0  0", "...", "3 9"]
    assert output_mismatch(shown_output(block), "1\n0 0\n1 1\n2 4\n3 9\n") is None
    assert output_mismatch(shown_output(block), "1\n0 0\n3 9\n") is None  # '...' may stand for nothing
    assert "but the block prints" in output_mismatch(shown_output(block), "1\n0 0\n1 1\n2 4\n3 10\n")
    assert "but the block prints" in output_mismatch(shown_output(block), "1\n0 0\n")
    assert "do not show" in output_mismatch([], "something\n")
    assert output_mismatch([], "") is None


def test_docs_python_md_runs_and_prints_what_it_shows(capsys, monkeypatch):
    # The page shows a machine without pandas (as the build machines are): `import pandas` fails.
    monkeypatch.setitem(__import__("sys").modules, "pandas", None)
    blocks = python_blocks(DOC.read_text())
    assert len(blocks) >= 5, "docs/python.md lost its session"
    namespace = {"__name__": "docs_python_md"}
    capsys.readouterr()
    for number, block in enumerate(blocks, 1):
        code = compile(block, f"{DOC}:block {number}", "exec")
        exec(code, namespace)  # noqa: S102 - the page is ours
        mismatch = output_mismatch(shown_output(block), capsys.readouterr().out)
        if mismatch:
            pytest.fail(f"docs/python.md, python block {number}: {mismatch}")
    assert namespace["llmsizer"] is llmsizer
