"""Bronze: external tables over the Parquet files the copy pipeline lands.

The pipeline writes `<landing>/<source_schema>/<source_table>/ingest_date=<yyyy-mm-dd>/*.parquet`;
each source table becomes one external table partitioned by `ingest_date`, and every run
registers the partitions that arrived since the last one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lakehouse.tables import TableSpec, identifier

if TYPE_CHECKING:  # the Databricks Runtime provides pyspark; only the type is needed here
    from pyspark.sql import SparkSession

PARTITION_COLUMN = "ingest_date"


@dataclass(frozen=True)
class BronzeTable:
    full_name: str
    """catalog.schema.table"""
    location: str
    """The table's landing folder (the partitions are its ingest_date= sub-folders)."""


def table_name(catalog: str, schema: str, spec: TableSpec) -> str:
    """catalog.schema.<source_schema>_<table>, e.g. lakehouse.bronze.saleslt_customer."""
    return ".".join(
        (identifier(catalog, "catalog"), identifier(schema, "schema"), spec.bronze_name)
    )


def bronze_table(catalog: str, schema: str, landing_root: str, spec: TableSpec) -> BronzeTable:
    if not landing_root or landing_root.endswith("/"):
        raise ValueError(
            f"landing_path: {landing_root!r} must be a folder URL without a trailing slash, "
            "e.g. abfss://landing@<account>.dfs.core.windows.net"
        )
    return BronzeTable(
        full_name=table_name(catalog, schema, spec),
        location=f"{landing_root}/{spec.landing_folder}",
    )


def partition_folder(table: BronzeTable, ingest_date: str) -> str:
    """The folder a date's files must land in for this table to read them as that date."""
    return f"{table.location}/{PARTITION_COLUMN}={ingest_date}"


def create_external_table_sql(table: BronzeTable, file_format: str = "PARQUET") -> str:
    """Idempotent DDL: the schema and the ingest_date partition are inferred from the files."""
    if "'" in table.location:
        raise ValueError(f"landing location {table.location!r} may not contain a quote")
    return (
        f"CREATE TABLE IF NOT EXISTS {table.full_name} "
        f"USING {identifier(file_format, 'file_format')} "
        f"LOCATION '{table.location}'"
    )


def repair_partitions_sql(table: BronzeTable) -> str:
    """Registers ingest_date partitions that were landed since the table was last repaired."""
    return f"MSCK REPAIR TABLE {table.full_name}"


def create_schema_sql(catalog: str, schema: str) -> str:
    name = f"{identifier(catalog, 'catalog')}.{identifier(schema, 'schema')}"
    return f"CREATE SCHEMA IF NOT EXISTS {name}"


def register(spark: SparkSession, table: BronzeTable) -> int:
    """Creates the external table if needed, registers new partitions; returns the row count."""
    spark.sql(create_external_table_sql(table))
    spark.sql(repair_partitions_sql(table))
    return int(spark.table(table.full_name).count())
