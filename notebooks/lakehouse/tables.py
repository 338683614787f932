"""The source tables the platform knows: AdventureWorksLT's sales entities, typed for silver.

Each spec says where the copy pipeline lands the table (`<source_schema>/<source_table>/`), the
silver table it becomes, its business key, the column that orders versions of a record, and
every silver column with its source column and Spark SQL type.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    """Silver column name (snake_case)."""
    source: str
    """Column name in the landed Parquet files (the source database's name)."""
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

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        missing = [k for k in (*self.keys, self.modified_column) if k not in names]
        if missing:
            raise ValueError(f"{self.name}: key/modified column(s) {missing} are not columns")

    @property
    def landing_folder(self) -> str:
        """Folder under the landing root: <source_schema>/<source_table>."""
        return f"{self.source_schema}/{self.source_table}"

    @property
    def bronze_name(self) -> str:
        return f"{self.source_schema.lower()}_{self.name}"


def _cols(*specs: tuple[str, str, str]) -> tuple[Column, ...]:
    return tuple(Column(name, source, type_) for name, source, type_ in specs)


MONEY = "decimal(19,4)"

ADVENTUREWORKS: tuple[TableSpec, ...] = (
    TableSpec(
        "SalesLT", "Customer", "customer", keys=("customer_id",), modified_column="modified_date",
        columns=_cols(
            ("customer_id", "CustomerID", "int"),
            ("title", "Title", "string"),
            ("first_name", "FirstName", "string"),
            ("last_name", "LastName", "string"),
            ("company_name", "CompanyName", "string"),
            ("sales_person", "SalesPerson", "string"),
            ("email_address", "EmailAddress", "string"),
            ("modified_date", "ModifiedDate", "timestamp"),
        ),
    ),
    TableSpec(
        "SalesLT", "ProductCategory", "product_category", keys=("product_category_id",),
        modified_column="modified_date",
        columns=_cols(
            ("product_category_id", "ProductCategoryID", "int"),
            ("parent_product_category_id", "ParentProductCategoryID", "int"),
            ("name", "Name", "string"),
            ("modified_date", "ModifiedDate", "timestamp"),
        ),
    ),
    TableSpec(
        "SalesLT", "Product", "product", keys=("product_id",), modified_column="modified_date",
        columns=_cols(
            ("product_id", "ProductID", "int"),
            ("name", "Name", "string"),
            ("product_number", "ProductNumber", "string"),
            ("color", "Color", "string"),
            ("standard_cost", "StandardCost", MONEY),
            ("list_price", "ListPrice", MONEY),
            ("product_category_id", "ProductCategoryID", "int"),
            ("sell_start_date", "SellStartDate", "timestamp"),
            ("modified_date", "ModifiedDate", "timestamp"),
        ),
    ),
    TableSpec(
        "SalesLT", "SalesOrderHeader", "sales_order_header", keys=("sales_order_id",),
        modified_column="modified_date",
        columns=_cols(
            ("sales_order_id", "SalesOrderID", "int"),
            ("order_date", "OrderDate", "timestamp"),
            ("due_date", "DueDate", "timestamp"),
            ("ship_date", "ShipDate", "timestamp"),
            ("status", "Status", "int"),
            ("customer_id", "CustomerID", "int"),
            ("sub_total", "SubTotal", MONEY),
            ("tax_amount", "TaxAmt", MONEY),
            ("freight", "Freight", MONEY),
            ("total_due", "TotalDue", MONEY),
            ("modified_date", "ModifiedDate", "timestamp"),
        ),
    ),
    TableSpec(
        "SalesLT", "SalesOrderDetail", "sales_order_detail",
        keys=("sales_order_id", "sales_order_detail_id"), modified_column="modified_date",
        columns=_cols(
            ("sales_order_id", "SalesOrderID", "int"),
            ("sales_order_detail_id", "SalesOrderDetailID", "int"),
            ("order_quantity", "OrderQty", "int"),
            ("product_id", "ProductID", "int"),
            ("unit_price", "UnitPrice", MONEY),
            ("unit_price_discount", "UnitPriceDiscount", MONEY),
            ("modified_date", "ModifiedDate", "timestamp"),
        ),
    ),
)

_BY_KEY = {f"{s.source_schema}.{s.source_table}".lower(): s for s in ADVENTUREWORKS}
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def known_tables() -> list[str]:
    return [f"{s.source_schema}.{s.source_table}" for s in ADVENTUREWORKS]


def select_tables(value: str | Iterable[str]) -> list[TableSpec]:
    """Specs for a table list such as "SalesLT.Customer, SalesLT.Product" (a notebook widget).

    Blank or "*" selects every known table. Unknown names raise ValueError listing the allowed.
    """
    names = value.split(",") if isinstance(value, str) else list(value)
    names = [n.strip() for n in names if n.strip()]
    if not names or names == ["*"]:
        return list(ADVENTUREWORKS)
    unknown = [n for n in names if n.lower() not in _BY_KEY]
    if unknown:
        raise ValueError(
            f"tables: unknown source table(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(known_tables())} or * for all"
        )
    selected: list[TableSpec] = []
    for name in names:
        spec = _BY_KEY[name.lower()]
        if spec not in selected:
            selected.append(spec)
    return selected


def identifier(value: str, what: str) -> str:
    """A catalog/schema/table name safe to put into SQL unquoted, or ValueError."""
    if not _IDENTIFIER.match(value):
        raise ValueError(
            f"{what}: {value!r} must be letters, digits and underscores, not starting with a digit"
        )
    return value
