"""lakehouse/silver.py: typing, de-duplication, latest wins, idempotent merges."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count

import pytest

from lakehouse import silver
from lakehouse.contract import select_tables

(CUSTOMER,) = select_tables("SalesLT.Customer")
(LINES,) = select_tables("SalesLT.SalesOrderDetail")
SOURCE_COLUMNS = (
    "CustomerID int, Title string, FirstName string, LastName string, "
    "CompanyName string, SalesPerson string, EmailAddress string, "
    "ModifiedDate timestamp, ingest_date date, _source_file string"
)
_table_ids = count()


def batch(spark, rows):
    """Bronze-shaped customer rows: (id, email, modified day, ingest day, file)."""
    data = [
        (
            cid,
            "Mr.",
            "First",
            "Last",
            "Co",
            "sp",
            email,
            dt.datetime(2024, 1, modified),
            dt.date(2024, 1, ingest),
            source,
        )
        for cid, email, modified, ingest, source in rows
    ]
    return silver.to_silver(spark.createDataFrame(data, SOURCE_COLUMNS), CUSTOMER)


def emails(spark, table):
    return {r.customer_id: r.email_address for r in spark.table(table).collect()}


@pytest.fixture
def target(spark):
    spark.sql("CREATE SCHEMA IF NOT EXISTS spark_catalog.test_silver")
    return f"spark_catalog.test_silver.customer_{next(_table_ids)}"


def test_to_silver_types_renames_and_adds_audit_columns(spark):
    df = batch(spark, [(1, "a@x", 1, 1, "file:/a.parquet")])
    assert df.columns == [c.name for c in CUSTOMER.columns] + ["_ingest_date", "_source_file"]
    types = dict(df.dtypes)
    assert types["customer_id"] == "int"
    assert types["modified_date"] == "timestamp"
    assert types["_ingest_date"] == "date"
    (row,) = df.collect()
    assert (row._ingest_date, row._source_file) == (dt.date(2024, 1, 1), "file:/a.parquet")


def test_to_silver_casts_money_to_decimal(spark):
    source = spark.createDataFrame(
        [(1, 10, 2, 7, "12.5", "0.1", dt.datetime(2024, 1, 1), dt.date(2024, 1, 1), "f")],
        "SalesOrderID int, SalesOrderDetailID int, OrderQty int, ProductID int, UnitPrice string, "
        "UnitPriceDiscount string, ModifiedDate timestamp, ingest_date date, _source_file string",
    )
    (row,) = silver.to_silver(source, LINES).collect()
    assert row.unit_price == Decimal("12.5000")


def test_fails_if_landed_data_lacks_a_column(spark):
    source = spark.createDataFrame([(1,)], "CustomerID int")
    with pytest.raises(ValueError, match="SalesLT.Customer: landed data lacks column.s. Title, "):
        silver.to_silver(source, CUSTOMER)


def test_duplicate_rows_of_a_batch_become_one(spark):
    df = batch(spark, [(1, "a@x", 1, 1, "f1"), (1, "a@x", 1, 1, "f1"), (2, "b@x", 1, 1, "f1")])
    assert silver.latest_per_key(df, CUSTOMER).count() == 2


def test_latest_modified_date_wins_within_a_batch(spark):
    df = batch(
        spark, [(1, "old@x", 1, 1, "f1"), (1, "new@x", 3, 1, "f2"), (1, "mid@x", 2, 1, "f3")]
    )
    (row,) = silver.latest_per_key(df, CUSTOMER).collect()
    assert row.email_address == "new@x"


def test_on_a_tie_the_earliest_ingest_wins(spark):
    df = batch(spark, [(1, "second@x", 5, 2, "f2"), (1, "first@x", 5, 1, "f1")])
    (row,) = silver.latest_per_key(df, CUSTOMER).collect()
    assert row.email_address == "first@x"


def test_first_merge_creates_the_table(spark, target):
    count_ = silver.merge_into_silver(
        spark, batch(spark, [(1, "a@x", 1, 1, "f")]), target, CUSTOMER, "parquet"
    )
    assert count_ == 1
    assert spark.catalog.tableExists(target)


def test_rerunning_the_same_ingest_date_changes_nothing(spark, target):
    day_1 = batch(spark, [(1, "a@x", 1, 1, "f1"), (2, "b@x", 1, 1, "f1")])
    silver.merge_into_silver(spark, day_1, target, CUSTOMER, "parquet")
    before = sorted(spark.table(target).collect())
    silver.merge_into_silver(spark, day_1, target, CUSTOMER, "parquet")
    assert sorted(spark.table(target).collect()) == before


def test_a_new_date_merges_updates_and_new_keys(spark, target):
    silver.merge_into_silver(
        spark,
        batch(spark, [(1, "a@x", 1, 1, "f1"), (2, "b@x", 1, 1, "f1")]),
        target,
        CUSTOMER,
        "parquet",
    )
    silver.merge_into_silver(
        spark,
        batch(spark, [(1, "a2@x", 2, 2, "f2"), (3, "c@x", 2, 2, "f2")]),
        target,
        CUSTOMER,
        "parquet",
    )
    assert emails(spark, target) == {1: "a2@x", 2: "b@x", 3: "c@x"}
    updated = spark.table(target).where("customer_id = 1").first()
    assert (updated._ingest_date, updated._source_file) == (dt.date(2024, 1, 2), "f2")


def test_a_late_older_record_does_not_overwrite_a_newer_one(spark, target):
    silver.merge_into_silver(
        spark, batch(spark, [(1, "new@x", 9, 1, "f1")]), target, CUSTOMER, "parquet"
    )
    silver.merge_into_silver(
        spark, batch(spark, [(1, "stale@x", 3, 2, "f2")]), target, CUSTOMER, "parquet"
    )
    assert emails(spark, target) == {1: "new@x"}


def test_delta_merge_sql_replaces_only_newer_versions_and_parses(spark):
    sql = silver.merge_sql("lakehouse.silver.sales_order_detail", "batch_view", LINES)
    assert sql == (
        "MERGE INTO lakehouse.silver.sales_order_detail AS t USING batch_view AS s ON "
        "t.sales_order_id <=> s.sales_order_id "
        "AND t.sales_order_detail_id <=> s.sales_order_detail_id "
        "WHEN MATCHED AND s.modified_date > t.modified_date THEN UPDATE SET * "
        "WHEN NOT MATCHED THEN INSERT *"
    )
    # Spark's own parser accepts it (executing MERGE needs Delta, which runs on Databricks).
    spark._jsparkSession.sessionState().sqlParser().parsePlan(sql)


@pytest.mark.parametrize("value", ["2024-13-01", "01.06.2024", ""])
def test_fails_if_ingest_date_is_not_iso(value):
    with pytest.raises(ValueError, match="ingest_date: .* must be a date as YYYY-MM-DD"):
        silver.parse_ingest_date(value)


def test_fails_if_table_format_is_unknown():
    with pytest.raises(ValueError, match="table_format: 'orc'; allowed: delta, parquet"):
        silver.check_table_format("orc")


def test_silver_table_name_uses_catalog_schema_and_spec_name():
    assert silver.silver_table_name("lakehouse", "silver", CUSTOMER) == "lakehouse.silver.customer"
