"""The source-table contract: `sources/<source>.yml` parsed and validated into TableSpecs.

One file describes every source table once. The notebooks, the local sample generator, the
ingestion stack's copy pipeline and a dbt consistency test read it through this module, and an
environment's config selects tables from it. Every problem of a file is reported at once, each
naming the file, the table and the field, with what is allowed.

Deployed to Databricks beside the notebooks with its YAML file (PyYAML ships with the
Databricks Runtime).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml

from lakehouse.tables import LOAD_MODES, Column, LoadMode, TableSpec

SOURCES_DIR = Path(__file__).resolve().parent / "sources"
SHIPPED = SOURCES_DIR / "adventureworks.yml"

_TOP_FIELDS = ("source", "description", "tables")
_TABLE_FIELDS = (
    "source_schema",
    "source_table",
    "silver_name",
    "business_key",
    "modified_column",
    "load",
    "columns",
)
_LOAD_FIELDS = ("mode", "watermark_column")
_COLUMN_FIELDS = ("source", "name", "type")
_SOURCE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SILVER_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_SPARK_TYPE = re.compile(
    r"^(tinyint|smallint|int|bigint|float|double|boolean|string|date|timestamp|binary"
    r"|decimal\((?:[1-9]|[1-2][0-9]|3[0-8]),(?:[0-9]|[1-2][0-9]|3[0-8])\))$"
)
_SOURCE_NAME_RULE = "letters, digits and underscores, not starting with a digit"
_SILVER_NAME_RULE = "lowercase letters, digits and underscores, not starting with a digit"
_TYPE_RULE = (
    "a Spark SQL type: tinyint, smallint, int, bigint, float, double, boolean, string, date, "
    "timestamp, binary or decimal(p,s)"
)


class ContractError(ValueError):
    """Every problem of a contract file, each naming the file, the table and the field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(
            f"{len(problems)} problem(s) in the source-table contract:\n"
            + "\n".join(f"  {p}" for p in problems)
        )


@dataclass(frozen=True)
class SourceContract:
    source: str
    """The source's name, e.g. adventureworks (dbt's source name)."""
    description: str
    tables: tuple[TableSpec, ...]

    def table_names(self) -> list[str]:
        """<source_schema>.<source_table> of every table, in contract order."""
        return [spec.qualified_source for spec in self.tables]

    def select(self, names: Iterable[str] | None) -> tuple[TableSpec, ...]:
        """The tables named (case-insensitive, contract order kept), or all when names is None.

        Raises ValueError naming the unknown ones and what is allowed.
        """
        if names is None:
            return self.tables
        wanted = {name.lower() for name in names}
        known = {spec.qualified_source.lower() for spec in self.tables}
        unknown = sorted(name for name in names if name.lower() not in known)
        if unknown:
            raise ValueError(
                f"unknown source table(s) {', '.join(unknown)}; allowed: "
                f"{', '.join(self.table_names())}"
            )
        return tuple(spec for spec in self.tables if spec.qualified_source.lower() in wanted)


@functools.cache
def shipped_contract() -> SourceContract:
    """The contract shipped beside this module (parsed once per process)."""
    return load_contract(SHIPPED)


def select_tables(value: str | Iterable[str]) -> list[TableSpec]:
    """The shipped tables a notebook's `tables` widget names ("SalesLT.Customer, SalesLT.Product").

    Blank or "*" selects every table. Same selection as an environment's `ingestion.tables`
    (SourceContract.select): case-insensitive, in contract order. Unknown names raise ValueError
    listing the allowed.
    """
    names = value.split(",") if isinstance(value, str) else list(value)
    names = [n.strip() for n in names if n.strip()]
    try:
        return list(shipped_contract().select(None if names in ([], ["*"]) else names))
    except ValueError as err:
        raise ValueError(f"tables: {err} or * for all") from None


def load_contract(path: Path) -> SourceContract:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ContractError([f"{path}: cannot read: {err.strerror}"]) from None
    except yaml.YAMLError as err:
        raise ContractError([f"{path}: invalid YAML: {err}"]) from None
    return parse_contract(raw, where=str(path))


def parse_contract(raw: Any, *, where: str) -> SourceContract:
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise ContractError([f"{where}: must be a mapping with {', '.join(_TOP_FIELDS)}"])
    problems += _unknown(where, "", raw, _TOP_FIELDS)
    source = raw.get("source")
    if not isinstance(source, str) or not _SILVER_NAME.match(source):
        problems.append(f"{where}: source = {source!r}: required; {_SILVER_NAME_RULE}")
    description = raw.get("description", "")
    if not isinstance(description, str):
        problems.append(f"{where}: description = {description!r}: must be a string")
        description = ""
    tables_raw = raw.get("tables")
    if not isinstance(tables_raw, list) or not tables_raw:
        problems.append(f"{where}: tables: required; a non-empty list of tables")
        tables_raw = []
    tables: list[TableSpec] = []
    for index, table in enumerate(tables_raw):
        spec, table_problems = _table(table, f"{where}: tables[{index}]")
        problems += table_problems
        if spec is not None:
            tables.append(spec)
    problems += _duplicates(where, tables)
    if problems:
        raise ContractError(problems)
    return SourceContract(source=cast(str, source), description=description, tables=tuple(tables))


def _table(raw: Any, at: str) -> tuple[TableSpec | None, list[str]]:
    if not isinstance(raw, dict):
        return None, [f"{at}: must be a mapping with {', '.join(_TABLE_FIELDS)}"]
    name = f"{raw.get('source_schema')}.{raw.get('source_table')}"
    at = f"{at} ({name})"
    problems = _unknown(at, "", raw, _TABLE_FIELDS)

    def text(field: str, pattern: re.Pattern[str], rule: str) -> str:
        value = raw.get(field)
        if not isinstance(value, str) or not pattern.match(value):
            problems.append(f"{at}: {field} = {value!r}: required; {rule}")
            return ""
        return value

    source_schema = text("source_schema", _SOURCE_NAME, _SOURCE_NAME_RULE)
    source_table = text("source_table", _SOURCE_NAME, _SOURCE_NAME_RULE)
    silver_name = text("silver_name", _SILVER_NAME, _SILVER_NAME_RULE)
    columns = _columns(raw.get("columns"), at, problems)
    column_names = [c.name for c in columns]

    def column_ref(field: str, value: Any) -> str:
        if not isinstance(value, str) or value not in column_names:
            problems.append(
                f"{at}: {field} = {value!r}: must be one of the table's silver column names "
                f"({', '.join(column_names) or 'none parsed'})"
            )
            return ""
        return value

    keys_raw = raw.get("business_key")
    if not isinstance(keys_raw, list) or not keys_raw:
        problems.append(f"{at}: business_key = {keys_raw!r}: required; a list of silver columns")
        keys_raw = []
    keys = tuple(column_ref(f"business_key[{i}]", k) for i, k in enumerate(keys_raw))
    if len(set(keys)) != len(keys):
        problems.append(f"{at}: business_key = {keys_raw!r}: lists a column twice")
    modified = column_ref("modified_column", raw.get("modified_column"))
    load = raw.get("load")
    mode: str = "full"
    watermark: str | None = None
    if not isinstance(load, dict):
        problems.append(
            f"{at}: load = {load!r}: required; {{mode: full}} or "
            "{mode: incremental, watermark_column: <silver column>}"
        )
    else:
        problems += _unknown(at, "load.", load, _LOAD_FIELDS)
        given = load.get("mode")
        if given not in LOAD_MODES:
            problems.append(f"{at}: load.mode = {given!r}: allowed: {', '.join(LOAD_MODES)}")
        elif given == "incremental":
            mode = given
            watermark = column_ref("load.watermark_column", load.get("watermark_column")) or None
        elif "watermark_column" in load:
            problems.append(
                f"{at}: load.watermark_column = {load['watermark_column']!r}: only with "
                "mode: incremental (a full load copies the whole table)"
            )
    if problems:
        return None, problems
    spec = TableSpec(
        source_schema,
        source_table,
        silver_name,
        keys=keys,
        modified_column=modified,
        columns=tuple(columns),
        load_mode=cast(LoadMode, mode),
        watermark_column=watermark,
    )
    return spec, []


def _columns(raw: Any, at: str, problems: list[str]) -> list[Column]:
    if not isinstance(raw, list) or not raw:
        problems.append(f"{at}: columns: required; a list of {{source, name, type}}")
        return []
    columns: list[Column] = []
    for index, column in enumerate(raw):
        where = f"{at}: columns[{index}]"
        if not isinstance(column, dict):
            problems.append(f"{where}: must be a mapping with source, name and type")
            continue
        problems += _unknown(where, "", column, _COLUMN_FIELDS)
        checks = (
            ("source", _SOURCE_NAME, _SOURCE_NAME_RULE),
            ("name", _SILVER_NAME, _SILVER_NAME_RULE),
            ("type", _SPARK_TYPE, _TYPE_RULE),
        )
        values: dict[str, str] = {}
        for field, pattern, rule in checks:
            value = column.get(field)
            if isinstance(value, str) and pattern.match(value):
                values[field] = value
            else:
                problems.append(f"{where}.{field} = {value!r}: required; {rule}")
        if len(values) == len(checks):
            columns.append(Column(values["name"], values["source"], values["type"]))
    for label, attribute in (("name", "name"), ("source", "source")):
        seen: set[str] = set()
        for column in columns:
            value = getattr(column, attribute).lower()
            if value in seen:
                problems.append(
                    f"{at}: columns: {label} {getattr(column, attribute)!r} is given twice"
                )
            seen.add(value)
    return columns


def _unknown(at: str, prefix: str, raw: dict[str, Any], allowed: tuple[str, ...]) -> list[str]:
    return [
        f"{at}: {prefix}{key}: unknown field; allowed here: {', '.join(allowed)}"
        for key in raw
        if key not in allowed
    ]


def _duplicates(where: str, tables: list[TableSpec]) -> list[str]:
    problems: list[str] = []
    keys: tuple[tuple[str, Callable[[TableSpec], str]], ...] = (
        ("source table", lambda s: s.qualified_source.lower()),
        ("silver_name", lambda s: s.name),
        ("bronze table name", lambda s: s.bronze_name),
    )
    for label, key in keys:
        seen: set[str] = set()
        for spec in tables:
            value = key(spec)
            if value in seen:
                problems.append(
                    f"{where}: tables ({spec.qualified_source}): {label} {value!r} is given twice"
                )
            seen.add(value)
    return problems
