"""docs/catalog.md is generated from the data and must be up to date."""

from __future__ import annotations

from pathlib import Path

from openiads.catalog import load_catalog
from openiads.catalog.docs import render_markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "catalog.md"


def test_docs_catalog_md_is_up_to_date() -> None:
    expected = render_markdown(load_catalog())
    assert DOC.read_text(encoding="utf-8") == expected, (
        "docs/catalog.md is stale: run `python -m openiads.catalog.docs`"
    )


def test_docs_list_every_entry_and_source() -> None:
    cat = load_catalog()
    text = DOC.read_text(encoding="utf-8")
    for kind in ("system", "radar", "missile", "launcher", "target"):
        for name in cat.names(kind):
            assert f"### {kind} {name}\n" in text
    for ref in cat.sources:
        assert f"| `{ref}` |" in text
    assert cat.version in text
