"""The table-list widget (lakehouse.contract.select_tables) and the TableSpecs it returns."""

from __future__ import annotations

import pytest

from lakehouse.contract import select_tables, shipped_contract
from lakehouse.tables import Column, TableSpec, identifier


def test_blank_or_star_selects_every_table():
    assert select_tables("*") == list(shipped_contract().tables)
    assert select_tables("  ") == list(shipped_contract().tables)


def test_table_list_is_case_insensitive_unique_and_in_contract_order():
    """The order an environment's ingestion.tables selects in (SourceContract.select)."""
    order = [spec.qualified_source for spec in shipped_contract().tables]
    specs = select_tables("saleslt.product, SalesLT.Customer,SalesLT.Product")
    assert [s.qualified_source for s in specs] == sorted(
        {"SalesLT.Product", "SalesLT.Customer"}, key=order.index
    )
    assert specs == list(shipped_contract().select(["SalesLT.Product", "SalesLT.Customer"]))


def test_fails_if_table_is_unknown():
    with pytest.raises(
        ValueError,
        match=r"tables: unknown source table\(s\) SalesLT.Address; "
        r"allowed: SalesLT.Customer, .* or \* for all",
    ):
        select_tables("SalesLT.Address")


def test_every_spec_lands_under_schema_and_table_and_names_bronze_after_both():
    customer = select_tables("SalesLT.Customer")[0]
    assert customer.landing_folder == "SalesLT/Customer"
    assert customer.bronze_name == "saleslt_customer"


def test_order_lines_are_keyed_by_order_and_line():
    (detail,) = select_tables("SalesLT.SalesOrderDetail")
    assert detail.keys == ("sales_order_id", "sales_order_detail_id")


def test_fails_if_key_is_not_a_column():
    with pytest.raises(ValueError, match=r"x: key/modified column\(s\) \['id'\] are not columns"):
        TableSpec(
            "S",
            "X",
            "x",
            keys=("id",),
            modified_column="m",
            columns=(Column("m", "M", "timestamp"),),
        )


@pytest.mark.parametrize("bad", ["main-catalog", "1abc", "a.b", "a b", ""])
def test_fails_if_identifier_is_unsafe(bad):
    with pytest.raises(ValueError, match="catalog: .* must be letters, digits and underscores"):
        identifier(bad, "catalog")


def test_fails_if_incremental_load_has_no_watermark():
    columns = (Column("id", "Id", "int"), Column("m", "M", "timestamp"))
    with pytest.raises(ValueError, match="an incremental load needs a watermark_column"):
        TableSpec(
            "S",
            "X",
            "x",
            keys=("id",),
            modified_column="m",
            columns=columns,
            load_mode="incremental",
        )
