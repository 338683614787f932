"""Silver: one managed table per source table, typed, de-duplicated, latest record wins.

A run takes one ingest date's partition of the bronze table, types and renames its columns, adds
audit columns and keeps one row per business key (the latest by the modified column), then
merges it into the silver table: a key's row is replaced only by a strictly newer version.
Re-running the same ingest date therefore changes nothing, and a late, older copy of a record
never overwrites a newer one.

The table format is a parameter: Delta on Databricks (a MERGE), Parquet on a local Spark, where
Delta is not available (the same merge rule, applied by rewriting the table).
"""

from __future__ import annotations

import datetime as dt

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from lakehouse.tables import TableSpec, identifier

INGEST_DATE = "_ingest_date"
SOURCE_FILE = "_source_file"
AUDIT_COLUMNS = (INGEST_DATE, SOURCE_FILE)
TABLE_FORMATS = ("delta", "parquet")


def parse_ingest_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except (AttributeError, ValueError):
        raise ValueError(f"ingest_date: {value!r} must be a date as YYYY-MM-DD") from None


def check_table_format(value: str) -> str:
    if value not in TABLE_FORMATS:
        raise ValueError(f"table_format: {value!r}; allowed: {', '.join(TABLE_FORMATS)}")
    return value


def silver_table_name(catalog: str, schema: str, spec: TableSpec) -> str:
    return f"{identifier(catalog, 'catalog')}.{identifier(schema, 'schema')}.{spec.name}"


def read_bronze_batch(spark: SparkSession, bronze_table: str, ingest_date: dt.date) -> DataFrame:
    """One ingest date's rows of a bronze table, with the file each row came from."""
    return (
        spark.table(bronze_table)
        .where(F.col("ingest_date") == F.lit(ingest_date))
        .withColumn(SOURCE_FILE, F.col("_metadata.file_path"))
    )


def to_silver(batch: DataFrame, spec: TableSpec) -> DataFrame:
    """Typed, renamed columns in spec order plus the audit columns; raises on missing columns.

    `batch` has the source columns, `ingest_date` and `_source_file` (see read_bronze_batch).
    """
    missing = [c.source for c in spec.columns if c.source not in batch.columns]
    missing += [c for c in ("ingest_date", SOURCE_FILE) if c not in batch.columns]
    if missing:
        raise ValueError(
            f"{spec.source_schema}.{spec.source_table}: landed data lacks column(s) "
            f"{', '.join(missing)}; it has {', '.join(sorted(batch.columns))}"
        )
    return batch.select(
        *(F.col(c.source).cast(c.type).alias(c.name) for c in spec.columns),
        F.col("ingest_date").cast("date").alias(INGEST_DATE),
        F.col(SOURCE_FILE).cast("string").alias(SOURCE_FILE),
    )


def latest_per_key(df: DataFrame, spec: TableSpec) -> DataFrame:
    """One row per business key: the latest by the modified column.

    Ties go to the earliest ingest date (so a re-delivered copy never replaces the row already
    in silver), then to the first source file, so the result does not depend on partitioning.
    """
    order = Window.partitionBy(*spec.keys).orderBy(
        F.col(spec.modified_column).desc_nulls_last(),
        F.col(INGEST_DATE).asc(),
        F.col(SOURCE_FILE).asc(),
    )
    return (
        df.withColumn("_rank", F.row_number().over(order)).where(F.col("_rank") == 1).drop("_rank")
    )


def merge_sql(target: str, source_view: str, spec: TableSpec) -> str:
    """Delta MERGE applying the silver rule: replace a key's row only with a newer version."""
    on = " AND ".join(f"t.{k} <=> s.{k}" for k in spec.keys)
    newer = f"s.{spec.modified_column} > t.{spec.modified_column}"
    return (
        f"MERGE INTO {target} AS t USING {identifier(source_view, 'source_view')} AS s ON {on} "
        f"WHEN MATCHED AND {newer} THEN UPDATE SET * "
        "WHEN NOT MATCHED THEN INSERT *"
    )


def merge_into_silver(
    spark: SparkSession, batch: DataFrame, target: str, spec: TableSpec, table_format: str
) -> int:
    """Merges a typed batch (see to_silver) into the silver table; returns the table's row count."""
    check_table_format(table_format)
    latest = latest_per_key(batch, spec)
    if not spark.catalog.tableExists(target):
        latest.write.format(table_format).saveAsTable(target)
    elif table_format == "delta":
        view = f"_silver_batch_{spec.name}"
        latest.createOrReplaceTempView(view)
        spark.sql(merge_sql(target, view, spec))
    else:
        # Parquet has no MERGE: apply the same rule to the union and rewrite the table. The
        # result is materialized first because the table is read and overwritten in one job.
        existing = spark.table(target)
        merged = latest_per_key(existing.unionByName(latest), spec).localCheckpoint(eager=True)
        merged.write.format(table_format).mode("overwrite").saveAsTable(target)
    return int(spark.table(target).count())
