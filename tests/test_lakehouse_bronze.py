"""lakehouse/bronze.py: external tables over the landed Parquet files."""

from __future__ import annotations

import datetime as dt

import pytest

from lakehouse import bronze
from lakehouse.contract import select_tables

(CUSTOMER,) = select_tables("SalesLT.Customer")


def test_bronze_table_is_named_after_source_schema_and_table():
    table = bronze.bronze_table(
        "lakehouse", "bronze", "abfss://landing@st.dfs.core.windows.net", CUSTOMER
    )
    assert table.full_name == "lakehouse.bronze.saleslt_customer"
    assert table.location == "abfss://landing@st.dfs.core.windows.net/SalesLT/Customer"


def test_external_table_ddl_is_idempotent_and_located_on_the_landing_folder():
    table = bronze.BronzeTable("c.s.t", "abfss://landing@st.dfs.core.windows.net/SalesLT/Customer")
    assert bronze.create_external_table_sql(table) == (
        "CREATE TABLE IF NOT EXISTS c.s.t USING PARQUET "
        "LOCATION 'abfss://landing@st.dfs.core.windows.net/SalesLT/Customer'"
    )
    assert bronze.repair_partitions_sql(table) == "MSCK REPAIR TABLE c.s.t"


@pytest.mark.parametrize("landing", ["", "abfss://landing@st.dfs.core.windows.net/"])
def test_fails_if_landing_path_is_empty_or_ends_with_a_slash(landing):
    with pytest.raises(ValueError, match="landing_path: .* without a trailing slash"):
        bronze.bronze_table("c", "s", landing, CUSTOMER)


def test_fails_if_location_would_break_the_sql():
    with pytest.raises(ValueError, match="may not contain a quote"):
        bronze.create_external_table_sql(bronze.BronzeTable("c.s.t", "file:/it's"))


def test_register_picks_up_new_ingest_date_partitions(spark, tmp_path):
    landing = tmp_path / "landing"
    schema = "spark_catalog.test_bronze"
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")

    def land(day: dt.date, ids: list[int]) -> None:
        rows = [(i, f"name {i}") for i in ids]
        spark.createDataFrame(rows, "CustomerID int, FirstName string").write.mode(
            "overwrite"
        ).parquet(str(landing / "SalesLT" / "Customer" / f"ingest_date={day.isoformat()}"))

    table = bronze.bronze_table("spark_catalog", "test_bronze", landing.as_uri(), CUSTOMER)
    land(dt.date(2024, 1, 1), [1, 2])
    assert bronze.register(spark, table) == 2
    assert bronze.register(spark, table) == 2  # a re-run registers nothing twice
    land(dt.date(2024, 1, 2), [3])
    assert bronze.register(spark, table) == 3
    partitions = {r[0] for r in spark.sql(f"SHOW PARTITIONS {table.full_name}").collect()}
    assert partitions == {"ingest_date=2024-01-01", "ingest_date=2024-01-02"}
