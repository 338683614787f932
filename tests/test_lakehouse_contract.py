"""The source-table contract (lakehouse/sources/): parsed, validated, and the one list
of tables that the notebooks, the sample, dbt and the config all agree on."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from lakehouse.contract import (
    SHIPPED,
    ContractError,
    load_contract,
    parse_contract,
    shipped_contract,
)

DBT_SOURCES = (
    Path(__file__).resolve().parent.parent
    / "dbt"
    / "models"
    / "staging"
    / "_adventureworks__sources.yml"
)


def shipped_raw() -> dict[str, Any]:
    return yaml.safe_load(SHIPPED.read_text())


def problems_of(raw: Any) -> list[str]:
    with pytest.raises(ContractError) as err:
        parse_contract(raw, where="contract.yml")
    for problem in err.value.problems:
        assert problem.startswith("contract.yml: "), problem
    return err.value.problems


def changed(table: int, **fields: Any) -> dict[str, Any]:
    raw = copy.deepcopy(shipped_raw())
    for name, value in fields.items():
        if value is None:
            del raw["tables"][table][name]
        else:
            raw["tables"][table][name] = value
    return raw


def test_the_shipped_contract_holds_every_table_of_its_file_in_file_order():
    raw = shipped_raw()
    contract = shipped_contract()
    assert contract.source == raw["source"]
    assert contract.table_names() == [
        f"{t['source_schema']}.{t['source_table']}" for t in raw["tables"]
    ]
    assert [spec.name for spec in contract.tables] == [t["silver_name"] for t in raw["tables"]]


def test_load_modes_and_watermarks_are_read():
    by_name = {spec.name: spec for spec in shipped_contract().tables}
    assert (
        by_name["product_category"].load_mode,
        by_name["product_category"].watermark_column,
    ) == ("full", None)
    assert (by_name["customer"].load_mode, by_name["customer"].watermark_column) == (
        "incremental",
        "modified_date",
    )
    assert by_name["customer"].column("modified_date").source == "ModifiedDate"


def test_select_keeps_contract_order_and_rejects_unknown_tables():
    contract = shipped_contract()
    assert [s.name for s in contract.select(["saleslt.product", "SalesLT.Customer"])] == [
        "customer",
        "product",
    ]
    assert contract.select(None) == contract.tables
    with pytest.raises(
        ValueError, match="unknown source table.s. SalesLT.Address; allowed: SalesLT.Customer"
    ):
        contract.select(["SalesLT.Address"])


def test_error_names_file_table_and_field(tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump(changed(0, business_key=["customer_key"])))
    with pytest.raises(ContractError) as err:
        load_contract(path)
    (problem,) = err.value.problems
    assert problem.startswith(
        f"{path}: tables[0] (SalesLT.Customer): business_key[0] = 'customer_key'"
    )
    assert "must be one of the table's silver column names (customer_id, title" in problem


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"silver_name": "Customer"}, "silver_name = 'Customer': required; lowercase letters"),
        ({"source_table": "Customer Table"}, "source_table = 'Customer Table': required; letters"),
        ({"modified_column": "changed_at"}, "modified_column = 'changed_at': must be one of"),
        ({"load": {"mode": "cdc"}}, "load.mode = 'cdc': allowed: full, incremental"),
        ({"load": {"mode": "incremental"}}, "load.watermark_column = None: must be one of"),
        (
            {"load": {"mode": "full", "watermark_column": "modified_date"}},
            "load.watermark_column = 'modified_date': only with mode: incremental",
        ),
        ({"load": None}, "load = None: required"),
        (
            {"columns": [{"source": "Id", "name": "id", "type": "varchar(10)"}]},
            "type = 'varchar(10)'",
        ),
        ({"primary_key": ["x"]}, "primary_key: unknown field; allowed here: source_schema"),
        ({"business_key": ["customer_id", "customer_id"]}, "lists a column twice"),
    ],
)
def test_fails_if_a_table_field_is_bad(fields, message):
    found = problems_of(changed(0, **fields))
    assert any(message in p and "tables[0]" in p for p in found), found


def test_fails_if_a_table_is_given_twice():
    raw = shipped_raw()
    raw["tables"].append(copy.deepcopy(raw["tables"][0]))
    found = problems_of(raw)
    assert any("source table 'saleslt.customer' is given twice" in p for p in found)
    assert any("silver_name 'customer' is given twice" in p for p in found)


def test_fails_if_a_column_is_given_twice():
    raw = shipped_raw()
    raw["tables"][0]["columns"].append({"source": "Title", "name": "title", "type": "string"})
    found = problems_of(raw)
    assert any("columns: name 'title' is given twice" in p for p in found)


def test_every_problem_is_reported_at_once():
    raw = changed(0, silver_name="Bad-Name")
    raw["tables"][1]["load"] = {"mode": "sometimes"}
    raw["extra"] = 1
    found = problems_of(raw)
    assert len(found) == 3


def test_fails_if_not_a_mapping_or_without_tables():
    assert "must be a mapping" in problems_of(["a"])[0]
    assert any("tables: required" in p for p in problems_of({"source": "x"}))


def test_dbt_sources_list_exactly_the_contracts_tables_with_unique_and_not_null_keys():
    dbt = yaml.safe_load(DBT_SOURCES.read_text())
    (source,) = dbt["sources"]
    contract = shipped_contract()
    assert source["name"] == contract.source
    tables = {t["name"]: t for t in source["tables"]}
    assert list(tables) == [spec.name for spec in contract.tables]
    for spec in contract.tables:
        table = tables[spec.name]
        tests_by_column = {
            c["name"]: set(map(str, c.get("data_tests", []))) for c in table.get("columns", [])
        }
        for key in spec.keys:
            assert "not_null" in tests_by_column.get(key, set()), f"{spec.name}.{key}: not_null"
        if len(spec.keys) == 1:
            assert "unique" in tests_by_column[spec.keys[0]], f"{spec.name}.{spec.keys[0]}: unique"
        else:
            combos = [
                t
                for t in table.get("data_tests", [])
                if isinstance(t, dict) and "unique_combination_of_columns" in t
            ]
            assert [
                c["unique_combination_of_columns"]["arguments"]["combination_of_columns"]
                for c in combos
            ] == [list(spec.keys)], f"{spec.name}: unique key combination"
