"""The copy pipeline's logic, run on Microsoft's engine (datafactory/runner.py) over adf/ as
shipped: which tables it copies, with which query, to which folder, and how it starts the
lakehouse job."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from datafactory import artifacts as adf_artifacts
from datafactory.copy_pipeline import COPY_PIPELINE, OfflineJobsApi, offline_parameters
from datafactory.runner import PipelineRunError, PipelineRunner, sink_path
from lakehouse import bronze
from lakehouse.layers import LANDING
from localrun.demo import check_landing, ingest
from platform_config.data_contract import shipped_contract
from tests.helpers import edit_json, resolve

# Every test here runs on Microsoft's engine (skipped, saying what to install, without .NET).
pytestmark = pytest.mark.usefixtures("dotnet_engine")

CONTRACT = shipped_contract()
CUSTOMER = CONTRACT.select(["SalesLT.Customer"])[0]
CATEGORY = CONTRACT.select(["SalesLT.ProductCategory"])[0]
TRIGGERED = dt.datetime(2024, 6, 3, 4, 0, 0, 123456, tzinfo=dt.UTC)


def run(parameters: dict, *, artifacts=None, trigger_time=TRIGGERED, jobs=None):
    # The Jobs API answers as a run that ended well at the first poll, unless jobs says else.
    runner = PipelineRunner(artifacts or adf_artifacts.load(), on_web=jobs or OfflineJobsApi())
    return runner.run(COPY_PIPELINE, parameters, trigger_time=trigger_time)


def run_for(
    day: str | None, specs=CONTRACT.tables, *, full_load: bool = False, artifacts=None, jobs=None
):
    # day None: no ingestDate, as the schedule trigger starts it
    parameters = offline_parameters(specs, ingest_date=day, full_load=full_load)
    return run(parameters, artifacts=artifacts, jobs=jobs)


def incremental_query(spec, day: str, next_day: str) -> str:
    watermark = spec.column(spec.watermark_column).source
    return (
        f"SELECT * FROM [{spec.source_schema}].[{spec.source_table}] WHERE [{watermark}] >= "
        f"'{day}' AND [{watermark}] < '{next_day}'"
    )


def test_the_foreach_covers_exactly_the_selected_tables_in_order():
    selection = (CATEGORY, CUSTOMER)
    record = run_for("2024-06-02", selection)
    assert [copy.source_table for copy in record.copies] == [
        (spec.source_schema, spec.source_table) for spec in selection
    ]
    assert [copy.item["table"] for copy in record.copies] == ["ProductCategory", "Customer"]


def test_no_table_selected_copies_nothing_and_still_starts_the_job():
    record = run_for("2024-06-02", ())
    assert record.copies == []
    assert [c.activity for c in record.web_calls] == ["Start the lakehouse job", "Get the job run"]


@pytest.mark.parametrize(
    ("day", "next_day"),
    [("2024-06-02", "2024-06-03"), ("2024-02-28", "2024-02-29"), ("2024-12-31", "2025-01-01")],
)
def test_each_copy_reads_its_table_with_the_contract_s_load_mode(day, next_day):
    record = run_for(day)
    queries = {copy.source_table[1]: copy.query for copy in record.copies}
    for spec in CONTRACT.tables:
        if spec.load_mode == "incremental":
            assert queries[spec.source_table] == incremental_query(spec, day, next_day)
        else:
            assert queries[spec.source_table] == (
                f"SELECT * FROM [{spec.source_schema}].[{spec.source_table}]"
            )


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("'] >= ''', variables('ingestDate')", "'] > ''', variables('ingestDate')"),
        ("addDays(variables('ingestDate'), 1)", "addDays(variables('ingestDate'), 2)"),
    ],
)
def test_a_changed_watermark_filter_is_caught(adf_copy, old, new):
    """Mutation: the query check above fails when the pipeline's filter drifts."""
    path = adf_copy / "pipeline" / f"{COPY_PIPELINE}.json"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    record = run_for("2024-06-02", (CUSTOMER,), artifacts=adf_artifacts.load(adf_copy))
    (copy,) = record.copies
    assert copy.query != incremental_query(CUSTOMER, "2024-06-02", "2024-06-03")


def test_a_full_load_copies_every_table_whole():
    record = run_for("2024-06-02", full_load=True)
    assert all(" WHERE " not in copy.query for copy in record.copies)
    assert len(record.copies) == len(CONTRACT.tables)


def test_each_copy_writes_one_file_where_the_bronze_notebook_reads_the_date():
    record = run_for("2024-06-02")
    for copy, spec in zip(record.copies, CONTRACT.tables, strict=True):
        table = bronze.bronze_table("c", "s", LANDING, spec)
        assert sink_path(copy) == Path(
            bronze.partition_folder(table, "2024-06-02"), "part-00000.snappy.parquet"
        )
        assert copy.sink.properties["location"]["fileSystem"] == LANDING
        assert copy.sink.type == "Parquet" and copy.sink.linked_service == "ls_lake"
    check_landing(record, CONTRACT.tables)


def test_the_job_is_started_once_after_the_copies_with_the_ingest_date():
    record = run_for("2024-06-02")
    assert record.activities[0] == "Set ingest date"
    started = record.activities.index("Start the lakehouse job")
    assert "Copy table to landing" not in record.activities[started:]
    assert record.activities.count("Copy table to landing") == len(CONTRACT.tables)
    call = record.web_calls[0]
    assert call.method == "POST"
    assert call.url == "https://adb-local.azuredatabricks.net/api/2.1/jobs/run-now"
    # The pipeline run's id is the idempotency token: the activity's retry (policy.retry 1)
    # or a re-sent request returns the run already started instead of starting another.
    assert call.body == {
        "job_id": 1,
        "idempotency_token": f"local-{COPY_PIPELINE}-20240603T040000",
        "job_parameters": {"ingest_date": "2024-06-02"},
    }
    assert record.failure is None


def test_the_pipeline_waits_for_the_job_run_and_succeeds_with_it():
    jobs = OfflineJobsApi([("PENDING", None), ("RUNNING", None), ("TERMINATED", "SUCCESS")])
    record = run_for("2024-06-02", (CUSTOMER,), jobs=jobs)
    polls = [c for c in record.web_calls if c.activity == "Get the job run"]
    assert len(polls) == 3 and jobs.polls == 3
    run_id = record.web_outputs[0]["run_id"]
    assert {c.url for c in polls} == {
        f"https://adb-local.azuredatabricks.net/api/2.1/jobs/runs/get?run_id={run_id}"
    }
    assert record.activities.count("Wait a minute") == 3
    assert record.variables["jobLifeCycleState"] == "TERMINATED"
    assert record.failure is None


@pytest.mark.parametrize(
    ("states", "ended"),
    [
        ([("RUNNING", None), ("TERMINATED", "FAILED")], "TERMINATED FAILED: Task silver failed"),
        ([("TERMINATED", "TIMEDOUT")], "TERMINATED TIMEDOUT: Task silver failed: timedout"),
        ([("TERMINATED", "CANCELED")], "TERMINATED CANCELED"),
        ([("INTERNAL_ERROR", None)], "INTERNAL_ERROR : "),
        ([("SKIPPED", None)], "SKIPPED : "),
    ],
)
def test_the_pipeline_fails_when_the_job_run_does_not_succeed(states, ended):
    record = run_for("2024-06-02", (CUSTOMER,), jobs=OfflineJobsApi(states))
    assert record.failure is not None
    assert record.failure.activity == "Fail with the job's result"
    assert record.failure.error_code == "LakehouseJobFailed"
    run_id = record.web_outputs[0]["run_id"]
    assert record.failure.message.startswith(f"The lakehouse job run {run_id} ended {ended}")


def test_the_wait_has_a_time_limit_and_every_call_the_same_private_path_and_identity():
    (pipeline,) = adf_artifacts.load()["pipeline"].values()
    activities = pipeline.properties["activities"]
    until = next(a for a in activities if a["type"] == "Until")
    assert until["typeProperties"]["timeout"] == "0.04:00:00"  # then the Until, the run fail
    inner = {a["name"]: a for a in until["typeProperties"]["activities"]}
    assert inner["Wait a minute"]["typeProperties"]["waitTimeInSeconds"] == 60
    start = next(a for a in activities if a["name"] == "Start the lakehouse job")
    poll = inner["Get the job run"]
    for key in ("authentication", "connectVia"):
        assert poll["typeProperties"][key] == start["typeProperties"][key], key


@pytest.mark.parametrize("last", [("RUNNING", None), ("PENDING", None), ("TERMINATING", None)])
def test_past_the_time_limit_the_run_is_cancelled_and_the_pipeline_fails(last):
    # Four hours of one-minute waits: 240 polls, then the Until fails; the run is cancelled so
    # that it does not hold the job's one concurrent run and skip the next day's.
    jobs = OfflineJobsApi([("PENDING", None), last])
    record = run_for("2024-06-02", (CUSTOMER,), jobs=jobs)
    run_id = record.web_outputs[0]["run_id"]
    assert record.timed_out == ["Wait for the job run"]
    assert jobs.polls == 240 and record.activities.count("Wait a minute") == 240
    cancel = next(c for c in record.web_calls if c.activity == "Cancel the job run")
    assert cancel.method == "POST" and cancel.body == {"run_id": run_id}
    assert cancel.url == "https://adb-local.azuredatabricks.net/api/2.1/jobs/runs/cancel"
    assert jobs.cancelled == [run_id]
    assert record.failure is not None
    assert record.failure.activity == "Fail after the time limit"
    assert record.failure.error_code == "LakehouseJobTimedOut"
    assert record.failure.message == (
        f"The lakehouse job run {run_id} did not end within the four hours the pipeline waits "
        f"(last state {last[0]}): its cancellation was requested"
    )
    assert "Did the job succeed" not in record.activities


@pytest.mark.parametrize(
    "states",
    [
        [("TERMINATED", "SUCCESS")],
        [("RUNNING", None), ("TERMINATED", "FAILED")],
        [("INTERNAL_ERROR", None)],
    ],
)
def test_a_run_that_ends_in_time_is_never_cancelled(states):
    jobs = OfflineJobsApi(states)
    record = run_for("2024-06-02", (CUSTOMER,), jobs=jobs)
    assert record.timed_out == [] and jobs.cancelled == []
    assert "Cancel the job run" not in record.activities


def test_the_cancel_call_uses_the_same_private_path_and_identity():
    (pipeline,) = adf_artifacts.load()["pipeline"].values()
    activities = {a["name"]: a for a in pipeline.properties["activities"]}
    ended = activities["Did the job run end"]
    assert ended["dependsOn"] == [
        {"activity": "Wait for the job run", "dependencyConditions": ["Completed"]}
    ]
    (cancel, fail) = ended["typeProperties"]["ifFalseActivities"]
    start = activities["Start the lakehouse job"]
    for key in ("authentication", "connectVia"):
        assert cancel["typeProperties"][key] == start["typeProperties"][key], key
    assert fail["dependsOn"] == [
        {"activity": "Cancel the job run", "dependencyConditions": ["Completed"]}
    ]


def test_an_until_without_a_wait_that_never_ends_is_stopped_naming_the_activity(adf_copy):
    def no_wait(p):
        until = next(a for a in p["activities"] if a["type"] == "Until")
        until["typeProperties"]["activities"][0]["typeProperties"]["waitTimeInSeconds"] = 0

    edit_pipeline(adf_copy, no_wait)
    forever = OfflineJobsApi([("RUNNING", None)])
    with pytest.raises(PipelineRunError, match="'Wait a minute' ran 1000 times: an Until"):
        run_for("2024-06-02", (CUSTOMER,), jobs=forever, artifacts=adf_artifacts.load(adf_copy))


def test_an_until_timeout_that_is_not_a_timespan_names_the_file_and_path(adf_copy):
    def bad_timeout(p):
        next(a for a in p["activities"] if a["type"] == "Until")["typeProperties"]["timeout"] = "4h"

    edit_pipeline(adf_copy, bad_timeout)
    with pytest.raises(PipelineRunError, match=r"activities\[4\]\.typeProperties\.timeout: '4h'"):
        run_for("2024-06-02", (CUSTOMER,), artifacts=adf_artifacts.load(adf_copy))


def test_a_scheduled_run_copies_the_last_complete_day():
    record = run_for(None)
    assert record.variables["ingestDate"] == "2024-06-02"  # triggered 2024-06-03T04:00Z
    assert record.web_calls[0].body["job_parameters"]["ingest_date"] == "2024-06-02"
    customer = next(c for c in record.copies if c.source_table[1] == "Customer")
    assert customer.query == incremental_query(CUSTOMER, "2024-06-02", "2024-06-03")


def test_the_datasets_and_linked_services_receive_the_environment_s_values():
    record = run_for("2024-06-02", (CUSTOMER,))
    (copy,) = record.copies
    assert copy.source.linked_service == "ls_source_sql"
    assert copy.source.linked_service_parameters == {
        "vaultUri": "https://local-vault.vault.azure.net/",
        "connectionSecretName": "source-sql-connection",
    }
    assert copy.sink.linked_service_parameters == {
        "dfsUrl": "https://locallake.dfs.core.windows.net"
    }


def test_every_shipped_environment_s_deployed_pipeline_copies_its_selection(stacks, config_of):
    """The tables parameter as synthesized for each environment, run through the pipeline."""
    for env, config in config_of.items():
        if config.ingestion.source is None:
            continue
        pipelines = stacks[f"{env}-ingestion"]["resource"]["azurerm_data_factory_pipeline"]
        (pipeline,) = [p for p in pipelines.values() if p["name"] == COPY_PIPELINE]
        parameters = {
            **pipeline["parameters"],
            "ingestDate": "2024-06-02",
            "jobId": "42",
            "workspaceUrl": "adb-1.azuredatabricks.net",
        }
        record = run(parameters)
        selected = CONTRACT.select(config.ingestion.tables)
        assert [c.source_table for c in record.copies] == [
            (s.source_schema, s.source_table) for s in selected
        ], env
        assert {c.sink.properties["location"]["fileSystem"] for c in record.copies} <= {LANDING}


# The local copy and the demo's landing, against the pipeline's sink folder.
def change_sink_folder(root: Path, folder_expression: str) -> None:
    path = root / "pipeline" / f"{COPY_PIPELINE}.json"
    text = path.read_text()
    old = "@concat(item().schema, '/', item().table, '/ingest_date=', variables('ingestDate'))"
    assert old in text
    path.write_text(text.replace(old, folder_expression))


def test_a_changed_sink_folder_changes_where_the_demo_lands_and_fails_the_bronze_check(
    adf_copy, tmp_path
):
    change_sink_folder(
        adf_copy,
        "@concat('raw/', item().schema, '/', item().table, '/', variables('ingestDate'))",
    )
    artifacts = adf_artifacts.load(adf_copy)
    ingest(tmp_path / "unchecked", lambda call: None, artifacts=artifacts, check=False)
    landing = tmp_path / "unchecked" / "lake" / LANDING
    assert (landing / "raw/SalesLT/Customer/2024-06-01/part-00000.snappy.parquet").is_file()
    assert not (landing / "SalesLT").exists()
    with pytest.raises(PipelineRunError) as err:
        ingest(tmp_path / "checked", lambda call: None, artifacts=artifacts)
    assert (
        "pl_copy_sources wrote SalesLT.Customer to landing/raw/SalesLT/Customer/2024-06-01/, but "
        "the bronze notebook reads its 2024-06-01 files from "
        "landing/SalesLT/Customer/ingest_date=2024-06-01/"
    ) in str(err.value)


def test_the_demo_lands_what_the_source_database_returns_for_the_pipeline_s_queries(tmp_path):
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    ingested = ingest(tmp_path, lambda call: None)
    customer = tmp_path / "lake/landing/SalesLT/Customer/ingest_date=2024-06-02"
    table = pq.read_table(customer / "part-00000.snappy.parquet")
    assert table.column("CustomerID").to_pylist() == [1]
    assert table.schema.field("ModifiedDate").type.tz == "UTC"
    assert table.schema.field("CustomerID").type.bit_width == 32
    product = pq.read_table(
        tmp_path / "lake/landing/SalesLT/Product/ingest_date=2024-06-02/part-00000.snappy.parquet"
    )
    assert str(product.schema.field("ListPrice").type) == "decimal128(19, 4)"
    assert ingested.source_rows["Customer"] == ingested.landed["2024-06-01"]["Customer"] == 40


# What the runner refuses, with the file and JSON path.
def edit_pipeline(root: Path, change) -> None:
    edit_json(root / "pipeline" / f"{COPY_PIPELINE}.json", lambda body: change(body["properties"]))


def test_an_added_activity_runs_in_its_dependency_order(adf_copy):
    edit_pipeline(
        adf_copy,
        lambda p: p["activities"].append(
            {
                "name": "Pause",
                "type": "Wait",
                "dependsOn": [
                    {"activity": "Did the job succeed", "dependencyConditions": ["Succeeded"]}
                ],
                "typeProperties": {"waitTimeInSeconds": 1},
            }
        ),
    )
    record = run_for("2024-06-02", artifacts=adf_artifacts.load(adf_copy))
    assert record.activities[-2:] == ["Keep the message", "Pause"]


def test_a_dependency_condition_never_met_fails_the_run_naming_the_file(adf_copy):
    def on_failure(p):
        p["activities"][2]["dependsOn"][0]["dependencyConditions"] = ["Failed"]

    edit_pipeline(adf_copy, on_failure)
    with pytest.raises(PipelineRunError) as err:
        run_for("2024-06-02", artifacts=adf_artifacts.load(adf_copy))
    assert f"{adf_copy / 'pipeline' / 'pl_copy_sources.json'}: $.properties.activities: " in str(
        err.value
    )
    assert "No remaining pipeline activities meet dependency conditions" in str(err.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.pop("jobId"), r"\$\.properties\.parameters\.jobId: required"),
        (lambda p: p.update(extra="x"), r"extra not declared"),
        (lambda p: p.update(fullLoad=True), r"parameters\.fullLoad: True is not of type string"),
    ],
)
def test_refuses_missing_unknown_or_mistyped_parameters(change, message):
    parameters = offline_parameters(CONTRACT.tables, ingest_date="2024-06-02")
    change(parameters)
    with pytest.raises(PipelineRunError, match=message):
        run(parameters)


def test_an_expression_that_fails_names_the_file_path_and_expression():
    parameters = offline_parameters(CONTRACT.tables, ingest_date="2024-06-02")
    parameters["tables"] = '[{"schema": "SalesLT"}]'
    with pytest.raises(PipelineRunError) as err:
        run(parameters)
    message = str(err.value)
    assert (
        "pl_copy_sources.json: $.properties.activities[1].typeProperties.activities[0]"
        ".typeProperties.source.sqlReaderQuery.value: @if(and(equals(item().mode, "
    ) in message
    assert (
        "cannot be evaluated because property 'mode' doesn't exist, available properties "
        "are 'schema'"
    ) in message  # the engine's own words
    assert " at Microsoft." not in message  # without .NET's stack


def test_the_local_copy_refuses_a_sink_outside_the_lake(adf_copy, tmp_path):
    change_sink_folder(adf_copy, "@concat('../', item().table)")
    with pytest.raises(PipelineRunError, match="leaves the lake"):
        ingest(tmp_path, lambda call: None, artifacts=adf_artifacts.load(adf_copy), check=False)


# The dry run for authors (python -m datafactory.dry_run).
def test_the_dry_run_shows_each_copy_and_the_job_call_for_an_environment(capsys, config_of):
    from datafactory.dry_run import main

    assert (
        main(["--environment", "prod", "--trigger-time", "2024-06-03T04:00:00Z"]) == 0
    )  # no --date: as the schedule starts it
    out = capsys.readouterr().out
    selected = CONTRACT.select(config_of["prod"].ingestion.tables)
    assert out.count("  copy [") == len(selected)
    assert "variables: ingestDate = '2024-06-02'" in out
    assert f"query: {incremental_query(CUSTOMER, '2024-06-02', '2024-06-03')}" in out
    assert "to:    landing/SalesLT/Customer/ingest_date=2024-06-02/part-00000.snappy.parquet" in out
    assert '"job_parameters": {"ingest_date": "2024-06-02"}' in out


def test_the_dry_run_takes_parameters(capsys):
    from datafactory.dry_run import main

    assert main(["--date", "2024-06-02", "--param", "fullLoad=true"]) == 0
    out = capsys.readouterr().out
    assert " WHERE " not in out and "query: SELECT * FROM [SalesLT].[Customer]\n" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--param", "fullLoad"], "argument --param: 'fullLoad': expected name=value"),
        (["--date", "2024-13-01"], "argument --date: '2024-13-01': expected a date, yyyy-mm-dd"),
        (["--trigger-time", "tomorrow"], "argument --trigger-time: 'tomorrow': expected an ISO"),
        (
            ["--environment", "nowhere"],  # no config/ holds an environment named like this
            "no configuration for environment(s) nowhere; allowed: ",
        ),
        (["--param", "extra=1"], "extra not declared; declared: tables, ingestDate"),
        (["--pipeline", "nope"], "no pipeline 'nope' in adf/pipeline/; known: pl_copy_sources"),
    ],
)
def test_the_dry_run_refuses_bad_arguments_naming_them(argv, message, capsys):
    from datafactory.dry_run import main

    code: int | str | None
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code
    assert code == 2
    assert message in capsys.readouterr().err


def test_the_job_call_sets_parameters_the_workloads_job_declares(stacks, config_of):
    """The run-now body names only job parameters that exist, and the silver task reads the
    date from the one the pipeline sets."""
    record = run_for("2024-06-02")
    sent = set(record.web_calls[0].body["job_parameters"])
    for env, config in config_of.items():
        if config.ingestion.source is None:
            continue
        (job,) = stacks[f"{env}-workloads"]["resource"]["databricks_job"].values()
        declared = {p["name"] for p in job["parameter"]}
        assert sent <= declared, env
        silver = next(t for t in job["task"] if t["task_key"] == "silver")
        assert silver["notebook_task"]["base_parameters"]["ingest_date"] == (
            "{{job.parameters.ingest_date}}"
        )
        pipelines = stacks[f"{env}-ingestion"]["resource"]["azurerm_data_factory_pipeline"]
        (pipeline,) = [p for p in pipelines.values() if p["name"] == COPY_PIPELINE]
        job_id = resolve(stacks, pipeline["parameters"]["jobId"])
        assert job_id.startswith("${databricks_job.")  # the workloads job's id
