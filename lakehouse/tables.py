"""The source tables the platform knows, as the notebooks use them.

Each `TableSpec` comes from the source-table contract (`sources/adventureworks.yml`, parsed and
validated by `lakehouse.contract`): where the copy pipeline lands the table
(`<source_schema>/<source_table>/`), the silver table it becomes, its business key, the column
that orders versions of a record, how it is loaded, and every silver column with its source
column and Spark SQL type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

LoadMode = Literal["full", "incremental"]
LOAD_MODES: tuple[str, ...] = ("full", "incremental")


@dataclass(frozen=True)
class Column:
    name: str
    """Silver column name (snake_case)."""
    source: str
    """Column name in the source table and the landed Parquet files."""
    type: str
    """Spark SQL type of the silver column, e.g. int, string, timestamp, decimal(19,4)."""


@dataclass(frozen=True)
class TableSpec:
    source_schema: str
    source_table: str
    name: str
    """Silver table name, also the bronze table's suffix: bronze.<source_schema>_<name>."""
    keys: tuple[str, ...]
    """Silver column(s) of the business key."""
    modified_column: str
    """Silver column whose latest value wins when a key arrives more than once."""
    columns: tuple[Column, ...]
    load_mode: LoadMode = "full"
    """full: the whole table lands on every run; incremental: the rows whose watermark falls on
    the ingest date."""
    watermark_column: str | None = None
    """Silver column the incremental copy filters on. Required when incremental, else None."""

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        referenced = (*self.keys, self.modified_column)
        if self.watermark_column is not None:
            referenced += (self.watermark_column,)
        missing = [k for k in referenced if k not in names]
        if missing:
            raise ValueError(f"{self.name}: key/modified column(s) {missing} are not columns")
        if (self.load_mode == "incremental") != (self.watermark_column is not None):
            raise ValueError(
                f"{self.name}: an incremental load needs a watermark_column; a full load has none"
            )

    @property
    def qualified_source(self) -> str:
        """<source_schema>.<source_table>, the name configs and widgets select tables by."""
        return f"{self.source_schema}.{self.source_table}"

    @property
    def landing_folder(self) -> str:
        """Folder under the landing root: <source_schema>/<source_table>."""
        return f"{self.source_schema}/{self.source_table}"

    @property
    def bronze_name(self) -> str:
        return f"{self.source_schema.lower()}_{self.name}"

    def column(self, name: str) -> Column:
        """The silver column `name`; KeyError if the table has none."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name!r}")


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def identifier(value: str, what: str) -> str:
    """A catalog/schema/table name safe to put into SQL unquoted, or ValueError."""
    if not _IDENTIFIER.match(value):
        raise ValueError(
            f"{what}: {value!r} must be letters, digits and underscores, not starting with a digit"
        )
    return value
