"""Every notebook in notebooks/: Databricks source format, thin, and calling only what exists."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

from localrun.notebooks import CELL_SEPARATOR, HEADER, run_notebook

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.py"))
DBUTILS_ALLOWED = {"widgets.text", "widgets.dropdown", "widgets.get", "notebook.exit"}


def test_there_are_notebooks():
    assert [p.name for p in NOTEBOOKS] == [
        "01_bronze_external_tables.py",
        "02_silver_managed_tables.py",
    ]


def imported_names(tree: ast.Module) -> dict[str, object]:
    """Local name -> the lakehouse module or function it refers to (imports must resolve)."""
    names: dict[str, object] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert node.module is not None, "relative imports do not work in a notebook"
            module = importlib.import_module(node.module)
            for alias in node.names:
                try:
                    names[alias.asname or alias.name] = getattr(module, alias.name)
                except AttributeError:
                    names[alias.asname or alias.name] = importlib.import_module(
                        f"{node.module}.{alias.name}"
                    )
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name] = importlib.import_module(alias.name)
    return names


def literal(node: ast.expr) -> str:
    """A widget name: notebooks name their widgets with string literals."""
    assert isinstance(node, ast.Constant) and isinstance(node.value, str), ast.dump(node)
    return node.value


def dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_in_databricks_source_format(path):
    source = path.read_text()
    assert source.startswith(HEADER + "\n")
    cells = source.split(f"\n{CELL_SEPARATOR}\n")
    assert len(cells) >= 3, "parameters, work and exit belong in cells of their own"
    assert "dbutils.notebook.exit(" in cells[-1], "the last cell exits with a status"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_imports_only_the_deployable_module_and_the_standard_library(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            top = (node.module or "").split(".")[0]
        elif isinstance(node, ast.Import):
            top = node.names[0].name.split(".")[0]
        else:
            continue
        assert top in ("lakehouse", "json", "datetime"), f"{path.name} imports {top}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_calls_only_functions_that_exist_with_matching_arguments(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    names = imported_names(tree)
    checked = 0
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = dotted(node.func)
        if name is None:
            continue
        if name.startswith("dbutils."):
            assert name.removeprefix("dbutils.") in DBUTILS_ALLOWED, f"{path.name}: {name}"
            continue
        head, _, rest = name.partition(".")
        if head not in names:
            continue
        target = names[head]
        for part in filter(None, rest.split(".")):
            assert hasattr(target, part), f"{path.name}: {name} does not exist"
            target = getattr(target, part)
        assert callable(target), f"{path.name}: {name} is not callable"
        args = [object()] * len(node.args)
        kwargs = {kw.arg: object() for kw in node.keywords if kw.arg}
        inspect.signature(target).bind(*args, **kwargs)  # raises TypeError on a mismatch
        checked += 1
    assert checked >= 2, f"{path.name} calls nothing from lakehouse: is the logic inline?"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_reads_only_widgets_it_declares(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    declared, read = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and dotted(node.func) in (
            "dbutils.widgets.text",
            "dbutils.widgets.dropdown",
        ):
            declared.add(literal(node.args[0]))
        if isinstance(node, ast.Call) and dotted(node.func) == "dbutils.widgets.get":
            read.add(literal(node.args[0]))
    assert read == declared


def test_fails_if_a_parameter_matches_no_widget(spark, tmp_path):
    with pytest.raises(ValueError, match="parameter.s. tabels match no widget"):
        run_notebook(
            NOTEBOOKS[0],
            spark,
            {
                "catalog": "spark_catalog",
                "landing_path": tmp_path.as_uri(),
                "tabels": "x",
                "tables": "SalesLT.Customer",
                "schema": "no_such_schema_is_touched",
            },
        )


def test_fails_if_a_widget_value_is_not_allowed(spark):
    with pytest.raises(ValueError, match="widget 'table_format' = 'orc'; allowed: delta, parquet"):
        run_notebook(NOTEBOOKS[1], spark, {"ingest_date": "2024-06-01", "table_format": "orc"})
