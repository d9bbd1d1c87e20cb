"""docs/scenario-format.md is generated from the schema and must not drift from it."""

from __future__ import annotations

from conftest import ROOT, SCENARIOS
from openiads.scenario import schema
from openiads.scenario.docs import SECTIONS, render


def test_scenario_format_doc_is_current() -> None:
    expected = render((SCENARIOS / "hormuz-2019.yaml").read_text())
    actual = (ROOT / "docs" / "scenario-format.md").read_text()
    assert actual == expected, (
        "regenerate: python -m openiads.scenario.docs > docs/scenario-format.md"
    )


def test_every_schema_model_is_documented() -> None:
    documented = {model for _, model in SECTIONS}
    models = {
        obj
        for obj in vars(schema).values()
        if isinstance(obj, type)
        and issubclass(obj, schema.BaseModel)
        and obj.__module__ == schema.__name__
        and not obj.__name__.startswith("_")
        and obj is not schema.Altitude
        and obj is not schema.Point
    }
    assert models <= documented, models - documented
    text = (ROOT / "docs" / "scenario-format.md").read_text()
    for _, model in SECTIONS:
        for name, field in model.model_fields.items():
            assert f"`{field.alias or name}`" in text
