"""notebooks/lakehouse/tables.py: the known source tables and the table-list widget."""

from __future__ import annotations

import pytest

from lakehouse.tables import Column, TableSpec, all_tables, identifier, known_tables, select_tables


def test_blank_or_star_selects_every_table():
    assert select_tables("*") == list(all_tables())
    assert select_tables("  ") == list(all_tables())


def test_table_list_is_case_insensitive_ordered_and_unique():
    specs = select_tables("saleslt.product, SalesLT.Customer,SalesLT.Product")
    assert [s.name for s in specs] == ["product", "customer"]


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
    assert known_tables()[0] == "SalesLT.Customer"


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
