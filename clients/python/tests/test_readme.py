"""The Python examples of the README's "### Python" section run against a node (all but ADBC's,
which cannot be installed on the build machines)."""

from __future__ import annotations

import re
import pytest

from .conftest import REPO

README = REPO / "README.md"


def python_examples() -> list:
    """The ```python blocks of the section, ADBC's left out."""
    text = README.read_text(encoding="utf-8") if README.exists() else ""
    start = text.find("\n### Python\n")
    if start < 0:
        return []
    end = re.compile(r"^#{2,3} ", re.M).search(text, start + len("\n### Python\n"))
    section = text[start : end.start() if end else len(text)]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    return [b for b in blocks if "adbc_driver" not in b]


EXAMPLES = python_examples()


def test_readme_has_python_examples():
    assert len(EXAMPLES) >= 3, "README.md's '### Python' section lost its examples"


@pytest.fixture(scope="module")
def sales_orders(client, lake):
    client.create_table("sales.orders", "/lake/orders.parquet")
    yield
    client.drop_table("sales.orders")


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_readme_example_runs(node, sales_orders, index, capsys):
    code = EXAMPLES[index].replace("localhost:8815", node)
    exec(compile(code, f"README.md (python example {index + 1})", "exec"), {"__name__": "readme"})
    out = capsys.readouterr().out
    assert out.strip(), "the example printed nothing"
    assert "Traceback" not in out
