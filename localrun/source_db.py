"""The source database of the local run: SQLite standing in for the Azure SQL database.

Each source schema is an attached database (`SalesLT`), so the copy pipeline's queries run as
written: SQLite reads `[SalesLT].[Customer]` and `[ModifiedDate]` with SQL Server's bracket
quoting. Tables are created from the source-table contract with SQL Server column types and
their business keys as primary keys; times are stored as ISO 8601 text, so the pipeline's
watermark filter (`[ModifiedDate] >= '2024-06-02' AND [ModifiedDate] < '2024-06-03'`) compares
them as SQL Server compares datetime2 values.

`copy_to_lake` is the local Copy activity: it runs a Copy's query (from the evaluated pipeline),
maps the source columns' SQL types to Parquet types as Data Factory does, and writes the one
file the sink dataset names, replacing it (a re-run of a date writes the same file).
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from datafactory.runner import CopyRun, PipelineRunError, sink_path
from lakehouse.tables import TableSpec

_SQL_TYPES = {
    "tinyint": "tinyint",
    "smallint": "smallint",
    "int": "int",
    "bigint": "bigint",
    "float": "real",
    "double": "float",
    "boolean": "bit",
    "string": "nvarchar(4000)",
    "binary": "varbinary(8000)",
    "date": "date",
    "timestamp": "datetime2",
}
_DECIMAL = re.compile(r"^decimal\((\d+),\s*(\d+)\)$")
# SQL Server type -> the Parquet (Arrow) type Data Factory's copy writes for it.
_PARQUET_TYPES = {
    "tinyint": pa.int8(),  # Data Factory widens tinyint to Int16 in interim; Spark reads both
    "smallint": pa.int16(),
    "int": pa.int32(),
    "bigint": pa.int64(),
    "real": pa.float32(),
    "float": pa.float64(),
    "bit": pa.bool_(),
    "nvarchar": pa.string(),
    "varbinary": pa.binary(),
    "date": pa.date32(),
    "datetime2": pa.timestamp("us", tz="UTC"),
}


def sql_type(spark_type: str) -> str:
    """The SQL Server column type of a contract column (its Spark SQL type)."""
    decimal = _DECIMAL.match(spark_type)
    if decimal:
        return f"decimal({decimal[1]},{decimal[2]})"
    return _SQL_TYPES[spark_type]


def parquet_type(declared: str) -> pa.DataType:
    declared = declared.lower()
    decimal = _DECIMAL.match(declared)
    if decimal:
        return pa.decimal128(int(decimal[1]), int(decimal[2]))
    base = declared.split("(", 1)[0]
    if base not in _PARQUET_TYPES:
        raise ValueError(f"SQL type {declared!r} has no Parquet mapping in the local copy")
    return _PARQUET_TYPES[base]


def _quote(name: str) -> str:
    return f"[{name}]"


class SourceDatabase:
    """SQLite files under a folder: one main database, one attached database per schema."""

    def __init__(self, folder: Path, tables: Iterable[TableSpec]):
        self.folder = folder
        self.tables = {(t.source_schema, t.source_table): t for t in tables}
        folder.mkdir(parents=True, exist_ok=True)
        self.connection = sqlite3.connect(folder / "source.db")
        for schema in sorted({schema for schema, _ in self.tables}):
            self.connection.execute(
                f"ATTACH DATABASE ? AS {_quote(schema)}", (str(folder / f"{schema}.db"),)
            )
        for spec in self.tables.values():
            columns = ", ".join(
                f"{_quote(c.source)} {sql_type(c.type)}"
                + (" NOT NULL" if c.name in spec.keys else "")
                for c in spec.columns
            )
            key = ", ".join(_quote(spec.column(k).source) for k in spec.keys)
            self.connection.execute(
                f"CREATE TABLE IF NOT EXISTS {_quote(spec.source_schema)}."
                f"{_quote(spec.source_table)} ({columns}, PRIMARY KEY ({key}))"
            )
        self.connection.commit()

    def close(self) -> None:
        self.connection.close()

    def upsert(self, spec: TableSpec, rows: Iterable[Mapping[str, Any]]) -> int:
        """Inserts rows, replacing those with the same key (an UPDATE in the source)."""
        names = [c.source for c in spec.columns]
        statement = (
            f"INSERT OR REPLACE INTO {_quote(spec.source_schema)}.{_quote(spec.source_table)} "
            f"({', '.join(map(_quote, names))}) VALUES ({', '.join('?' for _ in names)})"
        )
        values = [[_to_sql(row[name]) for name in names] for row in rows]
        self.connection.executemany(statement, values)
        self.connection.commit()
        return len(values)

    def count(self, schema: str, table: str) -> int:
        return int(
            self.connection.execute(
                f"SELECT COUNT(*) FROM {_quote(schema)}.{_quote(table)}"
            ).fetchone()[0]
        )

    def column_types(self, schema: str, table: str) -> dict[str, str]:
        rows = self.connection.execute(
            f"PRAGMA {_quote(schema)}.table_info({_quote(table)})"
        ).fetchall()
        if not rows:
            raise PipelineRunError(f"no table [{schema}].[{table}] in the local source database")
        return {row[1]: row[2] for row in rows}

    def copy_to_lake(self, lake: Path) -> Callable[[CopyRun], int]:
        """The local Copy activity, writing under lake/<fileSystem>/...; returns the row count."""

        def copy(run: CopyRun) -> int:
            schema, table = run.source_table
            query = run.query or f"SELECT * FROM {_quote(schema)}.{_quote(table)}"
            types = self.column_types(schema, table)
            try:
                cursor = self.connection.execute(query)
            except sqlite3.Error as err:
                raise PipelineRunError(
                    f"{run.activity}: the query {query!r} failed: {err}"
                ) from None
            names = [d[0] for d in cursor.description]
            unknown = [n for n in names if n not in types]
            if unknown:
                raise PipelineRunError(
                    f"{run.activity}: the query returns {unknown}, not columns of "
                    f"[{schema}].[{table}]"
                )
            arrow_schema = pa.schema([(n, parquet_type(types[n])) for n in names])
            rows = [
                {
                    n: _from_sql(v, arrow_schema.field(n).type)
                    for n, v in zip(names, row, strict=True)
                }
                for row in cursor.fetchall()
            ]
            target = lake / _inside(sink_path(run))
            target.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(pa.Table.from_pylist(rows, arrow_schema), target, compression="snappy")
            return len(rows)

        return copy


def _inside(path: Path) -> Path:
    if path.is_absolute() or ".." in path.parts:
        raise PipelineRunError(f"the sink path {path} leaves the lake")
    return path


def _to_sql(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        moment = value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
        return moment.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _from_sql(value: Any, arrow: pa.DataType) -> Any:
    if value is None:
        return None
    if pa.types.is_timestamp(arrow):
        return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
    if pa.types.is_date32(arrow):
        return dt.date.fromisoformat(value)
    if pa.types.is_decimal(arrow):
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-arrow.scale))
    if pa.types.is_boolean(arrow):
        return bool(value)
    return value
