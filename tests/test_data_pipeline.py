"""The local end-to-end run (make demo's pipeline) and the dbt project on its local target.

The pipeline fixture loads the sample into the local source database day by day, runs the copy
pipeline of adf/ offline for each day (the last one twice), starts the local lakehouse job
(bronze and silver) from the pipeline's web call, and builds the dbt project over silver.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from localrun.dbt import DBT_PROJECT, dbt_build
from localrun.sample import DAY_1, DAY_2, contract_tables, generate

SILVER = "spark_catalog.silver"
DAY_1_KEY, DAY_2_KEY, RERUN_KEY = (
    DAY_1.isoformat(),
    DAY_2.isoformat(),
    f"{DAY_2.isoformat()} (re-run)",
)


def test_sample_is_deterministic_and_a_few_hundred_rows():
    first, second = generate(), generate()
    assert first == second
    total = sum(len(rows) for day in first for rows in day.rows.values())
    assert 200 <= total <= 1000


def test_sample_has_rows_for_every_contract_table_with_exactly_its_columns():
    day_1 = generate()[0].rows
    for spec in contract_tables():
        rows = day_1.get(spec.source_table)
        assert rows, f"localrun/sample.py makes no rows for {spec.qualified_source}"
        columns = {column.source for column in spec.columns}
        assert all(set(row) == columns for row in rows), spec.qualified_source


def test_the_sample_changes_of_a_day_are_modified_that_day():
    """What makes the incremental copy find them: their watermark falls on the day."""
    for day in generate()[1:]:
        for table, rows in day.rows.items():
            assert all(row["ModifiedDate"].date() == day.day for row in rows), table


def test_the_first_load_lands_every_table_whole(pipeline):
    day_1 = generate()[0].rows
    assert pipeline["landed"][DAY_1_KEY] == {
        spec.source_table: len(day_1[spec.source_table]) for spec in contract_tables()
    }


def test_a_later_day_lands_full_tables_whole_and_incremental_ones_their_changes(pipeline):
    day_1, day_2 = (day.rows for day in generate())
    for spec in contract_tables():
        landed = pipeline["landed"][DAY_2_KEY][spec.source_table]
        if spec.load_mode == "full":
            assert landed == len(day_1[spec.source_table]), spec.qualified_source
        else:
            assert landed == len(day_2.get(spec.source_table, [])), spec.qualified_source


def test_the_pipeline_queries_ran_as_written(pipeline):
    queries = pipeline["queries"][DAY_2_KEY]
    assert (
        "SELECT * FROM [SalesLT].[Customer] WHERE [ModifiedDate] >= '2024-06-02' "
        "AND [ModifiedDate] < '2024-06-03'"
    ) in queries
    assert "SELECT * FROM [SalesLT].[ProductCategory]" in queries


def test_bronze_sees_every_landed_row(pipeline):
    landed = pipeline["landed"]
    assert pipeline["bronze"]["spark_catalog.bronze.saleslt_customer"] == (
        landed[DAY_1_KEY]["Customer"] + landed[DAY_2_KEY]["Customer"]
    )


def test_silver_keeps_one_row_per_key_when_a_record_lands_on_two_days(pipeline):
    assert pipeline["landed"][DAY_1_KEY]["Customer"] == 40
    assert pipeline["landed"][DAY_2_KEY]["Customer"] == 1
    assert pipeline["silver"][DAY_2_KEY][f"{SILVER}.customer"] == 40


def test_silver_merges_the_second_date(pipeline):
    day_1, day_2 = pipeline["silver"][DAY_1_KEY], pipeline["silver"][DAY_2_KEY]
    assert day_2[f"{SILVER}.sales_order_header"] == day_1[f"{SILVER}.sales_order_header"] + 5
    assert day_2[f"{SILVER}.customer"] == day_1[f"{SILVER}.customer"]  # updates, no new keys


def test_rerunning_an_ingest_date_lands_the_same_rows_and_changes_nothing(pipeline):
    assert pipeline["landed"][RERUN_KEY] == pipeline["landed"][DAY_2_KEY]
    assert pipeline["silver"][RERUN_KEY] == pipeline["silver"][DAY_2_KEY]


def test_the_late_update_wins(pipeline, spark):
    emails = {
        r.customer_id: r.email_address
        for r in spark.table("spark_catalog.gold.stg_adventureworks__customers").collect()
    }
    assert emails[1] == "orlando.new@adventure-works.com"
    row = spark.table(f"{SILVER}.customer").where("customer_id = 1").first()
    assert row._ingest_date == DAY_2
    assert row._source_file.endswith(".parquet") and f"ingest_date={DAY_2_KEY}" in row._source_file


def test_dbt_build_passes_every_model_test_and_unit_test(pipeline):
    assert pipeline["dbt_failures"] == []
    statuses = pipeline["dbt"]
    assert statuses["model:success"] == 8
    assert statuses["unit_test:pass"] == 1
    assert statuses["test:pass"] >= 40
    assert set(statuses) == {"model:success", "test:pass", "unit_test:pass"}


def test_marts_add_up(pipeline, spark):
    silver_lines = pipeline["silver"][RERUN_KEY][f"{SILVER}.sales_order_detail"]
    assert pipeline["gold"]["fct_order_lines"] == silver_lines

    def total(table):
        return spark.sql(f"select sum(net_sales) from spark_catalog.gold.{table}").first()[0]

    fact_total = spark.sql(
        "select sum(net_amount) from spark_catalog.gold.fct_order_lines"
    ).first()[0]
    assert total("sales_by_customer") == fact_total == total("sales_by_product_category")


def test_dbt_tests_fail_on_a_duplicate_key(pipeline, spark, local_dir):
    spark.sql("CREATE SCHEMA IF NOT EXISTS spark_catalog.silver_broken")
    spark.sql(
        f"CREATE TABLE spark_catalog.silver_broken.customer USING parquet AS "
        f"SELECT * FROM {SILVER}.customer UNION ALL "
        f"SELECT * FROM {SILVER}.customer WHERE customer_id = 1"
    )
    outcome = dbt_build(
        local_dir, silver_schema="silver_broken", select="source:adventureworks.customer"
    )
    assert not outcome.success
    assert any("unique" in failure and "fail" in failure for failure in outcome.failures)


def run_sqlfluff(cwd: Path, *paths: Path) -> subprocess.CompletedProcess:
    sqlfluff = Path(sys.executable).with_name("sqlfluff")
    return subprocess.run(
        [str(sqlfluff), "lint", *map(str, paths)],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_dbt_models_pass_sqlfluff():
    result = run_sqlfluff(DBT_PROJECT, DBT_PROJECT / "models")
    assert result.returncode == 0, result.stdout + result.stderr


def test_sqlfluff_rejects_a_badly_laid_out_model(tmp_path):
    shutil.copy(DBT_PROJECT / ".sqlfluff", tmp_path / ".sqlfluff")
    bad = tmp_path / "bad_model.sql"
    bad.write_text("SELECT A,b FROM {{ ref('x') }}  \n")
    result = run_sqlfluff(tmp_path, bad)
    assert result.returncode != 0
    assert "CP01" in result.stdout  # keywords must be lower case


def test_the_local_jvm_runs_as_a_short_run_wants_it(spark):
    """localrun/spark.py's JVM options reach the driver that PySpark starts (docs/data.md)."""
    runtime = spark.sparkContext._jvm.java.lang.management.ManagementFactory.getRuntimeMXBean()
    arguments = set(runtime.getInputArguments())
    assert {"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"} <= arguments, sorted(arguments)
