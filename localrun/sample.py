"""A small, deterministic AdventureWorksLT-shaped sample: the source database on two days.

- day 1: the database as the platform first finds it; the first pipeline run copies every
  table whole (`fullLoad`);
- day 2: what changes in the source that day: a late update of customer 1 (new e-mail), a
  price change of product 1, five new orders with their lines. The day's run copies what the
  source-table contract says: a full-load table whole, an incremental one the rows whose
  watermark falls on the day.

Tables, columns and types come from the contract (`lakehouse/sources/`); only the
rows are made here. localrun/source_db.py loads them into the local source database.

The same seed always gives the same rows, so tests and the demo can state exact counts.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

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
class SourceDay:
    day: dt.date
    rows: dict[str, list[dict[str, Any]]]
    """Source table name -> the rows inserted or updated that day, with source column names
    (on the first day: every row)."""


def _ts(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute)


def _money(value: float) -> Decimal:
    return Decimal(str(round(value, 4))).quantize(CENT)


def _categories(base: dt.datetime) -> tuple[list[dict[str, Any]], list[int]]:
    """The category tree, and the ids of its leaves (what products belong to)."""
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
    return categories, leaf_ids


def _products(rnd: random.Random, base: dt.datetime, leaf_ids: list[int]) -> list[dict[str, Any]]:
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
    return products


def _customers(rnd: random.Random, base: dt.datetime) -> list[dict[str, Any]]:
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
    return customers


def generate(seed: int = SEED) -> list[SourceDay]:
    rnd = random.Random(seed)
    base = _ts(dt.date(2024, 5, 1), 9)

    categories, leaf_ids = _categories(base)
    products = _products(rnd, base, leaf_ids)
    customers = _customers(rnd, base)

    def orders(
        first_id: int, count: int, day: dt.date, *, back_days: int
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Orders placed up to back_days before day (a new order is modified when placed)."""
        headers: list[dict[str, Any]] = []
        lines: list[dict[str, Any]] = []
        for order_id in range(first_id, first_id + count):
            order_date = _ts(day, 8, order_id % 60) - dt.timedelta(days=rnd.randint(0, back_days))
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

    headers_1, lines_1 = orders(71001, 60, DAY_1, back_days=20)
    day_1: dict[str, list[dict[str, Any]]] = {
        "ProductCategory": categories,
        "Product": products,
        "Customer": customers,
        "SalesOrderHeader": headers_1,
        "SalesOrderDetail": lines_1,
    }
    late_update = {
        **customers[0],
        "EmailAddress": "orlando.new@adventure-works.com",
        "ModifiedDate": _ts(DAY_2, 7),
    }
    repriced = {
        **products[0],
        "ListPrice": _money(float(products[0]["ListPrice"]) * 1.1),
        "ModifiedDate": _ts(DAY_2, 6),
    }
    headers_2, lines_2 = orders(71061, 5, DAY_2, back_days=0)
    day_2: dict[str, list[dict[str, Any]]] = {
        "Product": [repriced],
        "Customer": [late_update],
        "SalesOrderHeader": headers_2,
        "SalesOrderDetail": lines_2,
    }
    return [SourceDay(DAY_1, day_1), SourceDay(DAY_2, day_2)]


def contract_tables() -> tuple[TableSpec, ...]:
    """The sample covers every table of the contract (a test checks that it makes rows for each)."""
    return shipped_contract().tables
