"""docs/configuration.md's field tables come from the model (tooling/config_reference.py)."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel, Field

from platform_config.model import AccountConfig, PlatformConfig
from tests.conftest import REPO_ROOT
from tooling import config_reference
from tooling.config_reference import markdown_table, render, rows

DOC = REPO_ROOT / "docs" / "configuration.md"


def test_the_documented_tables_are_the_models():
    assert render(DOC.read_text(encoding="utf-8")) == DOC.read_text(encoding="utf-8"), (
        "docs/configuration.md's field tables are stale: run `make docs`"
    )


def leaf_paths(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Every field path a config file may hold, from the model itself."""
    found = set()
    for name, info in model.model_fields.items():
        models, _ = config_reference._models(info.annotation)
        found.add(f"{prefix}{name}")
        for sub in models:
            found |= leaf_paths(sub, f"{prefix}{name}.")
    return found


@pytest.mark.parametrize("model", [PlatformConfig, AccountConfig])
def test_every_field_is_documented_once_with_a_description(model):
    documented = [r.field.strip("`") for r in rows(model)]
    assert len(documented) == len(set(documented))
    sections = {p for p in leaf_paths(model) if any(d.startswith(f"{p}.") for d in documented)}
    assert leaf_paths(model) - sections <= set(documented)
    assert not [r.field for r in rows(model) if not r.description], "a field without description"


class Inner(BaseModel):
    name: str = Field(description="Its name.")
    size: Literal["S", "M"] = Field(default="S", description="How big.")


class Local(BaseModel):
    backend: Literal["local"] = "local"


class Remote(BaseModel):
    backend: Literal["remote"]
    url: str = Field(description="Where.")


class Example(BaseModel):
    env: str = Field(description="The environment.")
    folder: str | None = Field(default=None, description="A folder. Default: /x/<env>.")
    flag: bool = Field(default=True, description="A switch. Default: on.")
    cron: str | None = Field(
        default=None, description="When.", json_schema_extra={"required": "with `flag`"}
    )
    inner: Inner | None = Field(default=None, description="Optional part.")
    items: tuple[Inner, ...] = Field(default=(), description="A list.")
    state: Local | Remote = Field(default_factory=Local, description="Where state goes.")


def test_rows_say_required_default_and_choices_from_the_model():
    table = {r.field.strip("`"): r for r in rows(Example)}
    assert (table["env"].required, table["env"].default) == ("yes", "")
    assert (table["folder"].default, table["folder"].description) == ("/x/&lt;env>", "A folder.")
    assert (table["flag"].default, table["flag"].description) == ("`true`", "A switch.")
    assert table["cron"].required == "with `flag`"
    assert table["inner.name"].required == "with `inner`"
    assert table["inner.size"].description == "How big. One of `S`, `M`."
    assert table["items.name"].required == "per entry"
    assert table["state.backend"].description == "One of `local`, `remote`."
    assert table["state.url"].required == "with `backend: remote`"


def test_a_default_sentence_that_says_more_stays_in_the_description():
    class Model(BaseModel):
        public: bool = Field(default=False, description="Open it. Default: off (private link).")

    (row,) = rows(Model)
    assert row.default == "`false`"
    assert row.description == "Open it. Default: off (private link)."


def test_pipes_are_escaped_in_cells():
    class Model(BaseModel):
        mode: str = Field(description="a | b")

    assert "a \\| b" in markdown_table(Model)


def test_render_fails_without_the_markers():
    with pytest.raises(ValueError, match="missing <!-- config-reference:environment:start -->"):
        render("# no tables here\n")
