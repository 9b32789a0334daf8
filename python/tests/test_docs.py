"""docs/python.md is a notebook session: its ```python blocks run here, in order, in one namespace,
from the source tree, so a renamed function, keyword or key breaks this test rather than the page."""
import re

import llmsizer
from conftest import SOURCE_DIR

DOC = SOURCE_DIR / "docs" / "python.md"


def python_blocks(text):
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)


def test_the_blocks_are_found():
    blocks = python_blocks("intro\n```python\nx = 1\n```\ntext\n```sh\nls\n```\n```python\ny = x\n```\n")
    assert blocks == ["x = 1\n", "y = x\n"]


def test_docs_python_md_runs(capsys):
    blocks = python_blocks(DOC.read_text())
    assert len(blocks) >= 5, "docs/python.md lost its session"
    namespace = {"__name__": "docs_python_md"}
    for number, block in enumerate(blocks, 1):
        code = compile(block, f"{DOC}:block {number}", "exec")
        exec(code, namespace)  # noqa: S102 - the page is ours
    assert namespace["llmsizer"] is llmsizer
