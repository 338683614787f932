"""Run a Databricks source-format notebook locally with a stand-in for `dbutils`.

The notebook's own code runs unchanged: cells are plain Python, `# MAGIC` lines are comments,
`spark` is the local session, widgets take the given parameters (else their defaults) and
`dbutils.notebook.exit(value)` ends the run and returns the value, as a job task would.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

HEADER = "# Databricks notebook source"
CELL_SEPARATOR = "# COMMAND ----------"


class NotebookExit(Exception):
    def __init__(self, value: str):
        super().__init__(value)
        self.value = value


class _Widgets:
    def __init__(self, notebook: Path, params: Mapping[str, str]):
        self._notebook = notebook
        self._params = dict(params)
        self._values: dict[str, str] = {}

    def _declare(self, name: str, default: str, choices: Sequence[str] | None = None) -> None:
        value = self._params.get(name, default)
        if choices is not None and value not in choices:
            raise ValueError(
                f"{self._notebook.name}: widget {name!r} = {value!r}; allowed: {', '.join(choices)}"
            )
        self._values[name] = value

    def text(self, name: str, defaultValue: str, label: str | None = None) -> None:
        self._declare(name, defaultValue)

    def dropdown(
        self,
        name: str,
        defaultValue: str,
        choices: Sequence[str],
        label: str | None = None,
    ) -> None:
        self._declare(name, defaultValue, choices)

    def get(self, name: str) -> str:
        if name not in self._values:
            raise ValueError(
                f"{self._notebook.name}: widget {name!r} is read before it is declared"
            )
        return self._values[name]

    def declared(self) -> list[str]:
        return sorted(self._values)

    def undeclared_parameters(self) -> list[str]:
        return sorted(set(self._params) - set(self._values))


class _Notebook:
    def exit(self, value: str) -> None:
        raise NotebookExit(value)


class LocalDbutils:
    """The part of `dbutils` the platform's notebooks use: widgets and notebook.exit."""

    def __init__(self, notebook: Path, params: Mapping[str, str]):
        self.widgets = _Widgets(notebook, params)
        self.notebook = _Notebook()


def check_format(path: Path, source: str) -> None:
    if not source.startswith(HEADER + "\n"):
        raise ValueError(f"{path}: a Databricks source notebook starts with {HEADER!r}")
    if CELL_SEPARATOR not in source:
        raise ValueError(f"{path}: no {CELL_SEPARATOR!r} cell separator")


def run_notebook(path: Path, spark: Any, params: Mapping[str, str]) -> str:
    """Runs the notebook cell by cell and returns the value it passed to dbutils.notebook.exit.

    Parameters that match no widget are an error as soon as the cell declaring widgets has
    run, before any work is done.
    """
    source = path.read_text(encoding="utf-8")
    check_format(path, source)
    dbutils = LocalDbutils(path, params)
    namespace: dict[str, Any] = {"__name__": "__main__", "spark": spark, "dbutils": dbutils}
    folder = str(path.parent.resolve())
    added = folder not in sys.path
    if added:
        sys.path.insert(0, folder)  # as Databricks does for the notebook's folder
    try:
        line = 0
        for cell in source.split(CELL_SEPARATOR):
            declared_before = len(dbutils.widgets.declared())
            # Leading newlines keep tracebacks pointing at the notebook's own line numbers.
            exec(compile("\n" * line + cell, str(path), "exec"), namespace)
            line += cell.count("\n")
            if len(dbutils.widgets.declared()) > declared_before:
                _check_parameters(path, dbutils)
    except NotebookExit as done:
        _check_parameters(path, dbutils)
        return done.value
    finally:
        if added:
            sys.path.remove(folder)
    raise RuntimeError(f"{path.name} ended without dbutils.notebook.exit(status)")


def _check_parameters(path: Path, dbutils: LocalDbutils) -> None:
    unknown = dbutils.widgets.undeclared_parameters()
    if unknown:
        raise ValueError(
            f"{path.name}: parameter(s) {', '.join(unknown)} match no widget; "
            f"widgets: {', '.join(dbutils.widgets.declared())}"
        )
