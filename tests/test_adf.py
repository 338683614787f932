"""adf/: Data Factory's Git layout, checked by the synth-time validator and by the service's own
models (azure-mgmt-datafactory 9.3.0 maps Studio JSON to typed models)."""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any

import pytest
from azure.mgmt.datafactory import models

from datafactory.artifacts import AdfError, load
from tests.helpers import edit_json

RESOURCE_MODELS: dict[str, Any] = {
    "pipeline": models.PipelineResource,
    "dataset": models.DatasetResource,
    "linkedService": models.LinkedServiceResource,
    "trigger": models.TriggerResource,
    "integrationRuntime": models.IntegrationRuntimeResource,
}
BASES = (
    models.Activity,
    models.Dataset,
    models.LinkedService,
    models.Trigger,
    models.IntegrationRuntime,
    models.CopySource,
    models.CopySink,
)


def typed(model: Any) -> list[str]:
    """Every nested model that fell back to its base class (an unknown type)."""
    found = []
    if type(model) in BASES:
        found.append(f"{type(model).__name__} ({getattr(model, 'name', None) or '?'})")
    for attribute in getattr(model, "_attribute_map", {}):
        value = getattr(model, attribute, None)
        for item in value if isinstance(value, list) else [value]:
            if hasattr(item, "_attribute_map"):
                found += typed(item)
    return found


def test_the_shipped_artefacts_pass_the_validator():
    artifacts = load()
    assert set(artifacts["pipeline"]) == {"pl_copy_sources"}
    assert artifacts["trigger"]["tr_daily"].properties["runtimeState"] == "Stopped"


def test_every_artefact_deserializes_into_data_factory_s_typed_models():
    checked = 0
    for kind, by_name in load().items():
        for artifact in by_name.values():
            resource = RESOURCE_MODELS[kind].deserialize(artifact.body)
            assert typed(resource) == [], f"{artifact.path}: untyped {typed(resource)}"
            checked += 1
    assert checked >= 7


def test_an_unknown_activity_type_falls_back_to_the_base_model_and_is_caught():
    body = copy.deepcopy(load()["pipeline"]["pl_copy_sources"].body)
    body["properties"]["activities"][0]["type"] = "Teleport"
    logging.getLogger("msrest").setLevel(logging.ERROR)
    resource = models.PipelineResource.deserialize(body)
    assert typed(resource) == ["Activity (Set ingest date)"]


def test_the_copy_reads_sql_and_writes_parquet_only_to_landing():
    artifacts = load()
    pipeline = models.PipelineResource.deserialize(artifacts["pipeline"]["pl_copy_sources"].body)
    for_each = next(a for a in pipeline.activities or [] if isinstance(a, models.ForEachActivity))
    (copy_activity,) = for_each.activities
    assert isinstance(copy_activity, models.CopyActivity)
    assert isinstance(copy_activity.source, models.AzureSqlSource)
    assert isinstance(copy_activity.sink, models.ParquetSink)
    (output,) = copy_activity.outputs or []
    dataset = artifacts["dataset"][output.reference_name].properties
    assert dataset["typeProperties"]["location"]["fileSystem"] == "landing"
    folder: Any = (output.parameters or {})["folder"]  # Studio JSON: a string expression
    assert (
        folder
        == "@concat(item().schema, '/', item().table, '/ingest_date=', variables('ingestDate'))"
    )


def test_pipeline_parameters_are_strings_as_azurerm_keeps_them():
    parameters = load()["pipeline"]["pl_copy_sources"].parameters()
    assert {p["type"].lower() for p in parameters.values()} == {"string"}


def load_json(path: Path) -> Any:
    import json

    return json.loads(path.read_text())


def problems_of(root: Path) -> list[str]:
    with pytest.raises(AdfError) as err:
        load(root)
    return err.value.problems


def test_fails_on_malformed_json_with_file_line_and_column(adf_copy):
    path = adf_copy / "dataset" / "ds_source_table.json"
    path.write_text(path.read_text().replace('"type": "AzureSqlTable",', '"type": "AzureSqlTable"'))
    found = problems_of(adf_copy)
    assert found[0].startswith(f"{path}:") and ": not JSON: Expecting ',' delimiter" in found[0]
    # what referred to the unreadable dataset is reported too, in the same run
    assert any("'ds_source_table': no dataset of that name" in p for p in found[1:])


def test_fails_on_a_recurrence_azurerm_refuses_naming_the_field(adf_copy):
    """azurerm checks a schedule trigger's frequency and interval at plan (vocabulary.providers
    cites the lines); a trigger exported from the Studio with another value stops here."""

    def daily_every_zero(body):
        body["properties"]["typeProperties"]["recurrence"].update(frequency="Daily", interval=0)

    path = edit_json(adf_copy / "trigger/tr_daily.json", daily_every_zero)
    found = [p for p in problems_of(adf_copy) if p.startswith(f"{path}:")]
    prefix = f"{path}: $.properties.typeProperties.recurrence"
    assert any(
        p.startswith(f"{prefix}.frequency: expected frequency to be one of") and "Daily" in p
        for p in found
    ), found
    assert any(
        p.startswith(f"{prefix}.interval: expected interval to be in the range") for p in found
    )


def test_fails_on_a_reference_to_a_missing_dataset_with_its_json_path(adf_copy):
    path = edit_json(
        adf_copy / "pipeline/pl_copy_sources.json",
        lambda b: b["properties"]["activities"][1]["typeProperties"]["activities"][0]["outputs"][
            0
        ].update(referenceName="ds_nowhere"),
    )
    found = problems_of(adf_copy)
    assert any(
        p.startswith(
            f"{path}: $.properties.activities[1].typeProperties.activities[0]"
            ".outputs[0].referenceName = 'ds_nowhere': no dataset of that name"
        )
        for p in found
    ), found


def test_fails_on_a_missing_or_unknown_parameter(adf_copy):
    def drop_and_add(body):
        parameters = body["properties"]["activities"][1]["typeProperties"]["activities"][0][
            "inputs"
        ][0]["parameters"]
        del parameters["table"]
        parameters["tabel"] = "@item().table"

    path = edit_json(adf_copy / "pipeline/pl_copy_sources.json", drop_and_add)
    found = problems_of(adf_copy)
    assert any(
        "parameter 'table' of dataset 'ds_source_table' is required and not passed" in p
        for p in found
    ), found
    assert any(
        f"{path}: " in p
        and ".parameters.tabel: dataset 'ds_source_table' declares no such parameter" in p
        for p in found
    ), found


def test_fails_on_an_unknown_activity_type(adf_copy):
    edit_json(
        adf_copy / "pipeline/pl_copy_sources.json",
        lambda b: b["properties"]["activities"][2].update(type="Teleport"),
    )
    (problem,) = problems_of(adf_copy)
    assert "$.properties.activities[2].type = 'Teleport': not an activity type" in problem


def test_fails_on_an_undeclared_pipeline_parameter_or_variable(adf_copy):
    def rename(body):
        body["properties"]["parameters"]["dfsUri"] = body["properties"]["parameters"].pop("dfsUrl")
        body["properties"]["variables"] = {}

    edit_json(adf_copy / "pipeline/pl_copy_sources.json", rename)
    found = problems_of(adf_copy)
    assert any("reads parameter 'dfsUrl', which this pipeline does not declare" in p for p in found)
    assert any(
        "reads variable 'ingestDate', which this pipeline does not declare" in p for p in found
    )


def test_fails_if_a_file_is_not_named_after_its_artefact_or_not_in_the_layout(adf_copy):
    (adf_copy / "trigger" / "tr_daily.json").rename(adf_copy / "trigger" / "daily.json")
    (adf_copy / "notebooks").mkdir()
    (adf_copy / "notebooks" / "x.json").write_text("{}")
    found = problems_of(adf_copy)
    assert any("$.name = 'tr_daily': must equal the file name 'daily'" in p for p in found)
    assert any("x.json: not in a folder of Data Factory's layout" in p for p in found)


def test_fails_on_a_context_function_the_artefact_does_not_have(adf_copy):
    def change(body):
        activities = body["properties"]["activities"]
        activities[2]["typeProperties"]["url"]["value"] = "@substring(dataset().x, 1)"
        body["properties"]["description"] = "mail ops@example.com: @not an expression"

    path = edit_json(adf_copy / "pipeline/pl_copy_sources.json", change)
    (problem,) = problems_of(adf_copy)
    assert problem == (
        f"{path}: $.properties.activities[2].typeProperties.url.value: "
        "@substring(dataset().x, 1): dataset() is not available in a pipeline"
    )


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        (
            "@concat('a', pipeline().parameters.workspaceUrl",
            "does not parse: expected ')' at character 48 (found 'the end')",
        ),
        (
            "@concatenate('a', pipeline().parameters.workspaceUrl)",
            "concatenate() is not a function of Data Factory's expression language",
        ),
        (
            "https://@{pipeline().parameters.workspaceUrl/api",
            "does not parse: expected '}' at character 45 (found '/api')",
        ),
        (
            "@{toUpper(pipeline().parameters.workspaceUrl)}/@{nope()}",
            "nope() is not a function of Data Factory's expression language",
        ),
    ],
)
def test_fails_on_an_expression_that_does_not_parse_or_calls_no_function(
    adf_copy, expression, reason
):
    # Both passed main.py --check after the move to Microsoft's engine; now they fail there,
    # naming the file and the JSON path, without loading .NET.
    def change(body):
        body["properties"]["activities"][2]["typeProperties"]["url"]["value"] = expression

    path = edit_json(adf_copy / "pipeline/pl_copy_sources.json", change)
    (problem,) = problems_of(adf_copy)
    assert problem == (
        f"{path}: $.properties.activities[2].typeProperties.url.value: {expression}: {reason}"
    )


def test_every_expression_form_the_documentation_shows_parses():
    from datafactory.expressions import problems

    for text in (
        "@pipeline().parameters.password",
        "First Name: @{pipeline().parameters.firstName} "
        "Last Name: @{pipeline().parameters.lastName}",
        "@{pipeline().parameters.myNumber}",
        "Answer is: @{pipeline().parameters.myNumber}",
        "@concat('Answer is: ', string(pipeline().parameters.myNumber))",
        "Answer is: @@{pipeline().parameters.myNumber}",
        "@@",
        "@activity('Web1').output.status",
        "@range(0,10)",
        "@item()",
        "@pipeline().parameters.myObject['property with space']",
        "@activity('Lookup').output?.firstRow?.x",
        "@{concat('}', '{')}",
        "@utcnow()",
        "@formatDateTime(utcNow(), 'yyyy-MM-dd')",
        "@if(equals(variables('x'), 1), true, null)",
    ):
        assert problems(text) == [], text


def test_the_function_names_are_those_microsoft_s_engine_implements():
    # The names come from Microsoft's page; the engine (data-factory-testing-framework)
    # implements the same set: a drift in either shows here.
    # Read as source: importing the package loads .NET.
    import ast
    import importlib.util

    from datafactory.expressions import FUNCTIONS

    spec = importlib.util.find_spec("data_factory_testing_framework")
    assert spec is not None and spec.origin is not None
    source = Path(spec.origin).parent / "_expression_runtime" / "functions_repository.py"
    (assignment,) = [
        node
        for node in ast.walk(ast.parse(source.read_text()))
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "_functions"
    ]
    assert assignment.value is not None
    implemented = {str(name).lower() for name in ast.literal_eval(assignment.value)}
    assert implemented == FUNCTIONS


def test_names_inside_string_literals_are_not_references(adf_copy):
    def change(body):
        body["properties"]["activities"][2]["typeProperties"]["url"]["value"] = (
            "@concat('variables(''nope'') and pipeline().parameters.nope ', "
            "pipeline().parameters.workspaceUrl)"
        )

    edit_json(adf_copy / "pipeline/pl_copy_sources.json", change)
    assert load(adf_copy)["pipeline"]["pl_copy_sources"]


def test_fails_on_a_dependency_on_an_activity_that_does_not_exist(adf_copy):
    def change(body):
        body["properties"]["activities"][2]["dependsOn"][0]["activity"] = "For each tabel"

    path = edit_json(adf_copy / "pipeline/pl_copy_sources.json", change)
    (problem,) = problems_of(adf_copy)
    assert problem == (
        f"{path}: $.properties.activities[2].dependsOn[0].activity = 'For each tabel': no "
        "activity of that name beside it (Data Factory runs fail with InvalidTemplate); it may "
        "depend on Did the job run end, Did the job succeed, For each table, Remember the job run, "
        "Set ingest date, "
        "Wait for the job run"
    )


def test_an_inner_activity_may_not_depend_on_one_outside_its_foreach(adf_copy):
    def change(body):
        inner = body["properties"]["activities"][1]["typeProperties"]["activities"][0]
        inner["dependsOn"] = [
            {"activity": "Set ingest date", "dependencyConditions": ["Succeeded"]}
        ]

    edit_json(adf_copy / "pipeline/pl_copy_sources.json", change)
    (problem,) = problems_of(adf_copy)
    assert (
        "$.properties.activities[1].typeProperties.activities[0].dependsOn[0].activity = "
        "'Set ingest date': no activity of that name beside it"
    ) in problem


@pytest.mark.parametrize("kind", ["SetVariable", "AppendVariable"])
def test_fails_on_setting_a_variable_the_pipeline_does_not_declare(adf_copy, kind):
    def change(body):
        activity = body["properties"]["activities"][0]
        activity["type"] = kind
        activity["typeProperties"]["variableName"] = "ingestDay"

    path = edit_json(adf_copy / "pipeline/pl_copy_sources.json", change)
    found = problems_of(adf_copy)
    assert (
        f"{path}: $.properties.activities[0].typeProperties.variableName = 'ingestDay': {kind} "
        "of a variable the pipeline does not declare; it declares ingestDate, jobLifeCycleState, "
        "jobMessage, jobResult, jobRunId"
    ) in found


def test_the_job_start_runs_in_the_managed_network_with_the_pipeline_credential():
    from datafactory.artifacts import JOB_CREDENTIAL

    body = load()["pipeline"]["pl_copy_sources"].body
    resource = models.PipelineResource.deserialize(body)
    (web,) = [a for a in resource.activities or () if isinstance(a, models.WebActivity)]
    assert web.connect_via is not None and web.authentication is not None
    assert web.connect_via.reference_name == "ir-managed-vnet"
    authentication = web.authentication
    assert authentication.type == "UserAssignedManagedIdentity"
    assert authentication.credential is not None
    assert authentication.credential.reference_name == JOB_CREDENTIAL
    assert str(authentication.resource) == "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d"  # AzureDatabricks


def test_fails_on_a_credential_the_ingestion_stack_does_not_declare(adf_copy):
    def rename(body):
        for activity in body["properties"]["activities"]:
            if activity["type"] == "WebActivity":
                activity["typeProperties"]["authentication"]["credential"]["referenceName"] = (
                    "cred-x"
                )

    path = edit_json(adf_copy / "pipeline/pl_copy_sources.json", rename)
    found = problems_of(adf_copy)
    assert any(
        p.startswith(f"{path}: $.properties.activities[2].typeProperties.authentication")
        and "'cred-x': no credential of that name; the ingestion stack declares cred-lakehouse-job"
        in p
        for p in found
    ), found


def test_activities_inside_an_if_condition_are_checked_too(adf_copy):
    def wrap(body):
        activities = body["properties"]["activities"]
        web = copy.deepcopy(activities[2])
        web["name"] = "Start it again"
        web["dependsOn"] = [{"activity": "Nowhere", "dependencyConditions": ["Succeeded"]}]
        activities.append(
            {
                "name": "When asked",
                "type": "IfCondition",
                "dependsOn": [],
                "typeProperties": {
                    "expression": {"value": "@equals(1, 1)", "type": "Expression"},
                    "ifTrueActivities": [web],
                },
            }
        )

    body = edit_json(adf_copy / "pipeline/pl_copy_sources.json", wrap)
    (problem,) = problems_of(adf_copy)
    index = len(load_json(body)["properties"]["activities"]) - 1
    assert f"$.properties.activities[{index}].typeProperties.ifTrueActivities[0].dependsOn[0]" in (
        problem
    )
