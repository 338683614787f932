"""A small, deterministic AdventureWorksLT-shaped sample, landed as the copy pipeline lands it.

Two ingest dates:
- day 1 is a full extract of every table, in which one customer row is delivered twice;
- day 2 follows each table's load mode in the source-table contract: a full-load table lands
  whole again; an incremental one lands its changes: a late update of customer 1 (newer
  ModifiedDate, new e-mail), a stale re-delivery of customer 2 (older ModifiedDate: it must not
  win), a price change of product 1 and new orders with their lines.

Tables, column names and types and the landing folders come from the contract
(`notebooks/lakehouse/sources/`); only the rows are made here.

The same seed always gives the same rows, so tests and the demo can state exact counts.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import shutil
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from lakehouse.contract import shipped_contract
from lakehouse.tables import TableSpec

DAY_1 = dt.date(2024, 6, 1)
DAY_2 = dt.date(2024, 6, 2)
SEED = 20240601

_CATEGORIES = {
    "Bikes": ["Mountain Bikes", "Road Bikes", "Touring Bikes"],
    "Components": ["Handlebars", "Wheels"],
    "Clothing": ["Jerseys", "Gloves"],
    "Accessories": ["Helmets", "Bottles and Cages"],
}
_FIRST = [
    "Orlando",
    "Keith",
    "Donna",
    "Janet",
    "Lucy",
    "Rosmarie",
    "Dominic",
    "Kathleen",
    "Katherine",
    "Johnny",
    "Christopher",
    "David",
    "John",
    "Jean",
    "Jinghao",
    "Linda",
]
_LAST = [
    "Gee",
    "Harris",
    "Carreras",
    "Gates",
    "Harrington",
    "Carroll",
    "Gash",
    "Garza",
    "Harding",
    "Caprio",
    "Beck",
    "Liu",
    "Beaver",
    "Handley",
    "Liu",
    "Mitchell",
]
_COLORS = ["Black", "Red", "Silver", "Blue", "Yellow", None]
_SALES = ["adventure-works\\pamela0", "adventure-works\\david8", "adventure-works\\jillian0"]
CENT = Decimal("0.0001")


@dataclass(frozen=True)
class Extract:
    ingest_date: dt.date
    rows: dict[str, list[dict[str, Any]]]
    """Source table name -> rows with source column names."""


def _ts(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute)


def _money(value: float) -> Decimal:
    return Decimal(str(round(value, 4))).quantize(CENT)


def generate(seed: int = SEED) -> list[Extract]:
    rnd = random.Random(seed)
    base = _ts(dt.date(2024, 5, 1), 9)

    categories: list[dict[str, Any]] = []
    leaf_ids: list[int] = []
    next_id = 1
    for parent, children in _CATEGORIES.items():
        parent_id = next_id
        categories.append(
            {
                "ProductCategoryID": parent_id,
                "ParentProductCategoryID": None,
                "Name": parent,
                "ModifiedDate": base,
            }
        )
        next_id += 1
        for child in children:
            categories.append(
                {
                    "ProductCategoryID": next_id,
                    "ParentProductCategoryID": parent_id,
                    "Name": child,
                    "ModifiedDate": base,
                }
            )
            leaf_ids.append(next_id)
            next_id += 1

    products: list[dict[str, Any]] = []
    for product_id in range(1, 31):
        cost = rnd.uniform(5, 900)
        products.append(
            {
                "ProductID": product_id,
                "Name": f"Product {product_id:03d}",
                "ProductNumber": f"PR-{product_id:04d}",
                "Color": rnd.choice(_COLORS),
                "StandardCost": _money(cost),
                "ListPrice": _money(cost * rnd.uniform(1.2, 1.9)),
                "ProductCategoryID": rnd.choice(leaf_ids),
                "SellStartDate": base,
                "ModifiedDate": base,
            }
        )

    customers: list[dict[str, Any]] = []
    for customer_id in range(1, 41):
        first, last = rnd.choice(_FIRST), rnd.choice(_LAST)
        customers.append(
            {
                "CustomerID": customer_id,
                "Title": rnd.choice(["Mr.", "Ms.", None]),
                "FirstName": first,
                "LastName": last,
                "CompanyName": f"{last} Cycles {customer_id}",
                "SalesPerson": rnd.choice(_SALES),
                "EmailAddress": f"{first.lower()}{customer_id}@adventure-works.com",
                "ModifiedDate": base + dt.timedelta(days=customer_id % 7),
            }
        )

    def orders(first_id: int, count: int, day: dt.date) -> tuple[list[dict], list[dict]]:
        headers: list[dict[str, Any]] = []
        lines: list[dict[str, Any]] = []
        for order_id in range(first_id, first_id + count):
            order_date = _ts(day, 8) - dt.timedelta(days=rnd.randint(0, 20))
            sub_total = Decimal(0)
            for line_no in range(1, rnd.randint(1, 6) + 1):
                product = rnd.choice(products)
                quantity = rnd.randint(1, 5)
                discount = rnd.choice([Decimal("0.0000"), Decimal("0.0000"), Decimal("0.1000")])
                lines.append(
                    {
                        "SalesOrderID": order_id,
                        "SalesOrderDetailID": order_id * 100 + line_no,
                        "OrderQty": quantity,
                        "ProductID": product["ProductID"],
                        "UnitPrice": product["ListPrice"],
                        "UnitPriceDiscount": discount,
                        "ModifiedDate": order_date,
                    }
                )
                sub_total += (product["ListPrice"] * quantity * (1 - discount)).quantize(CENT)
            tax = (sub_total * Decimal("0.08")).quantize(CENT)
            freight = (sub_total * Decimal("0.025")).quantize(CENT)
            headers.append(
                {
                    "SalesOrderID": order_id,
                    "OrderDate": order_date,
                    "DueDate": order_date + dt.timedelta(days=12),
                    "ShipDate": order_date + dt.timedelta(days=7),
                    "Status": 5,
                    "CustomerID": rnd.randint(1, len(customers)),
                    "SubTotal": sub_total,
                    "TaxAmt": tax,
                    "Freight": freight,
                    "TotalDue": sub_total + tax + freight,
                    "ModifiedDate": order_date,
                }
            )
        return headers, lines

    headers_1, lines_1 = orders(71001, 60, DAY_1)
    day_1: dict[str, list[dict[str, Any]]] = {
        "ProductCategory": categories,
        "Product": products,
        "Customer": [*customers, dict(customers[4])],  # customer 5 delivered twice
        "SalesOrderHeader": headers_1,
        "SalesOrderDetail": lines_1,
    }

    late_update = {
        **customers[0],
        "EmailAddress": "orlando.new@adventure-works.com",
        "ModifiedDate": _ts(DAY_2, 7),
    }
    stale_copy = {
        **customers[1],
        "EmailAddress": "stale@adventure-works.com",
        "ModifiedDate": customers[1]["ModifiedDate"] - dt.timedelta(days=30),
    }
    repriced = {
        **products[0],
        "ListPrice": _money(float(products[0]["ListPrice"]) * 1.1),
        "ModifiedDate": _ts(DAY_2, 6),
    }
    headers_2, lines_2 = orders(71061, 5, DAY_2)
    changes_2: dict[str, list[dict[str, Any]]] = {
        "Product": [repriced],
        "Customer": [late_update, stale_copy],
        "SalesOrderHeader": headers_2,
        "SalesOrderDetail": lines_2,
    }
    day_2 = {
        spec.source_table: (
            _whole_table(spec, day_1[spec.source_table], changes_2.get(spec.source_table, []))
            if spec.load_mode == "full"
            else changes_2.get(spec.source_table, [])
        )
        for spec in contract_tables()
    }
    return [Extract(DAY_1, day_1), Extract(DAY_2, day_2)]


def contract_tables() -> tuple[TableSpec, ...]:
    """The sample covers every table of the contract (a test checks that it makes rows for each)."""
    return shipped_contract().tables


def _whole_table(spec: TableSpec, rows: list[dict], changes: list[dict]) -> list[dict]:
    """The table after applying changes by business key: what a full load copies."""
    key = [spec.column(k).source for k in spec.keys]
    merged = {tuple(row[c] for c in key): row for row in [*rows, *changes]}
    return list(merged.values())


def parquet_schema(spec: TableSpec) -> pa.Schema:
    """The landed Parquet schema, as Data Factory writes it from the source: source names, and
    the Parquet type of each column's Spark SQL type."""
    return pa.schema([(column.source, arrow_type(column.type)) for column in spec.columns])


_ARROW_TYPES = {
    "tinyint": pa.int8(),
    "smallint": pa.int16(),
    "int": pa.int32(),
    "bigint": pa.int64(),
    "float": pa.float32(),
    "double": pa.float64(),
    "boolean": pa.bool_(),
    "string": pa.string(),
    "binary": pa.binary(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}
_DECIMAL = re.compile(r"^decimal\((\d+),(\d+)\)$")


def arrow_type(spark_type: str) -> pa.DataType:
    """The Arrow (Parquet) type Spark reads back as `spark_type`."""
    decimal = _DECIMAL.match(spark_type)
    if decimal:
        return pa.decimal128(int(decimal[1]), int(decimal[2]))
    return _ARROW_TYPES[spark_type]


def landing_folder(landing_root: Path, spec: TableSpec, ingest_date: dt.date) -> Path:
    return landing_root / spec.landing_folder / f"ingest_date={ingest_date.isoformat()}"


def write_landing(landing_root: Path, extracts: list[Extract]) -> dict[str, dict[str, int]]:
    """Writes each extract as the copy pipeline does; returns rows per ingest date and table.

    One Parquet file per table and date (written with Arrow: no Spark job per file); a table
    with no rows on a date gets no folder, as an incremental copy that found nothing.
    """
    written: dict[str, dict[str, int]] = {}
    for extract in extracts:
        counts = written.setdefault(extract.ingest_date.isoformat(), {})
        for spec in contract_tables():
            rows = extract.rows.get(spec.source_table, [])
            if not rows:
                continue
            schema = parquet_schema(spec)
            table = pa.Table.from_pylist(
                [{c: row[c] for c in schema.names} for row in rows], schema
            )
            folder = landing_folder(landing_root, spec, extract.ingest_date)
            if folder.exists():
                shutil.rmtree(folder)  # a re-run replaces the date's files, as the pipeline does
            folder.mkdir(parents=True)
            pq.write_table(table, folder / "part-00000.snappy.parquet", compression="snappy")
            counts[spec.source_table] = len(rows)
    return written
