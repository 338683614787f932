"""Alerts: the receivers and thresholds in config, what dev and prod synthesize, and the
constructs' refusals (issue 33; docs/operations.md covers every alert)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import REPO_ROOT
from tests.test_config import problems, with_change, write
from vocabulary import monitoring

ALERTS = {"emails": ["team@example.com"]}


def test_alerts_take_documented_defaults(tmp_path):
    from platform_config import load_environment

    config = load_environment(write(tmp_path, with_change("alerts", ALERTS)))
    alerts = config.alerts
    assert alerts is not None and alerts.webhook_secret is None and alerts.budget is None
    assert (alerts.pipeline_failed_runs, alerts.job_duration_warning_minutes) == (1, 180)


@pytest.mark.parametrize(
    ("alerts", "field", "message"),
    [
        (
            {**ALERTS, "webhook_secret": "https://contoso.webhook.office.com/webhookb2/x"},
            "alerts.webhook_secret",
            "is a URL: a webhook's URL is a credential and never goes in a config file",
        ),
        ({**ALERTS, "webhook_secret": "no_underscores"}, "alerts.webhook_secret", "secret name"),
        ({"emails": []}, "alerts.emails", "at least one"),
        ({"emails": ["not-an-address"]}, "alerts.emails[0]", "e-mail address"),
        (
            {**ALERTS, "budget": {"amount": 10, "start_date": "2027-01-15"}},
            "alerts.budget.start_date",
            "first day of a month",
        ),
        (
            {
                **ALERTS,
                "budget": {
                    "amount": 10,
                    "start_date": "2027-01-01",
                    "actual_percent": [50, 80, 100, 120],
                    "forecast_percent": [100, 110],
                },
            },
            "alerts.budget",
            "at most 5",
        ),
        ({**ALERTS, "lake_availability_percent": 101}, "alerts.lake_availability_percent", "100"),
    ],
)
def test_bad_alert_config_is_refused_naming_the_field(tmp_path, alerts, field, message):
    found = problems(tmp_path, with_change("alerts", alerts))
    assert any(field in p and message in p for p in found), found


def _stack(synthesized, name: str) -> dict[str, Any]:
    return json.loads((synthesized.outdir / f"stacks/{name}/cdk.tf.json").read_text())


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_dev_and_prod_have_the_action_group_the_alerts_and_the_budget(synthesized, env):
    platform = _stack(synthesized, f"{env}-platform")["resource"]
    (group_name,) = platform["azurerm_monitor_action_group"]
    group = f"${{azurerm_monitor_action_group.{group_name}.id}}"
    metrics = {
        c["metric_name"]
        for a in platform["azurerm_monitor_metric_alert"].values()
        for c in a["criteria"]
    }
    assert metrics == {"Availability", "Transactions"}
    queries = [
        a["criteria"][0]["query"]
        for a in platform["azurerm_monitor_scheduled_query_rules_alert_v2"].values()
    ]
    assert monitoring.KEY_EXPIRY_QUERY in queries and monitoring.DENIED_REQUESTS_QUERY in queries
    (budget,) = platform["azurerm_consumption_budget_resource_group"].values()
    kinds = {(n["threshold_type"], n["threshold"]) for n in budget["notification"]}
    assert kinds == {("Actual", 80), ("Actual", 100), ("Forecasted", 100)}
    assert all(n["contact_groups"] == [group] for n in budget["notification"])
    ingestion = _stack(synthesized, f"{env}-ingestion")["resource"]
    (pipeline,) = ingestion["azurerm_monitor_metric_alert"].values()
    (criteria,) = pipeline["criteria"]
    assert criteria["metric_name"] == "PipelineFailedRuns"
    read = f"data.terraform_remote_state.{env}-platform.outputs.action_group_id"
    assert pipeline["action"] == [{"action_group_id": f"${{{read}}}"}]


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_job_s_failure_and_long_runs_go_to_the_destination(synthesized, config_of, env):
    workloads = _stack(synthesized, f"{env}-workloads")["resource"]
    ((name, destination),) = workloads["databricks_notification_destination"].items()
    assert destination["config"]["email"]["addresses"] == list(config_of[env].alerts.emails)
    (job,) = workloads["databricks_job"].values()
    reference = [{"id": f"${{databricks_notification_destination.{name}.id}}"}]
    assert job["webhook_notifications"]["on_failure"] == reference
    assert job["webhook_notifications"]["on_duration_warning_threshold_exceeded"] == reference
    minutes = config_of[env].alerts.job_duration_warning_minutes
    assert job["health"]["rules"] == [
        {"metric": "RUN_DURATION_SECONDS", "op": "GREATER_THAN", "value": minutes * 60}
    ]


def test_the_sandbox_has_no_alerts(synthesized):
    platform = _stack(synthesized, "sandbox-platform")["resource"]
    assert "azurerm_monitor_action_group" not in platform


def test_a_webhook_is_read_from_the_vault_never_written_in_config(tmp_path):
    from platform_config import load_environment
    from stacks.platform import PlatformStack
    from tests.helpers import data_sources, only, synth_stack
    from tests.test_stacks import fake_network_outputs

    config = load_environment(
        write(tmp_path, with_change("alerts", {**ALERTS, "webhook_secret": "alerts-webhook"}))
    )
    tf = synth_stack(lambda app: PlatformStack(app, config=config, network=fake_network_outputs()))
    (secret,) = data_sources(tf, "azurerm_key_vault_secret")
    assert secret["name"] == "alerts-webhook"
    (receiver,) = only(tf, "azurerm_monitor_action_group")["webhook_receiver"]
    assert receiver["service_uri"].startswith("${data.azurerm_key_vault_secret.")
    assert receiver["use_common_alert_schema"] is True


@pytest.mark.parametrize(
    ("metric", "dimensions", "message"),
    [
        ("PipelineFailedRun", {}, "has no metric 'PipelineFailedRun'"),
        ("PipelineFailedRuns", {"Pipeline": ("x",)}, "has no dimension Pipeline"),
    ],
)
def test_a_metric_alert_refuses_what_its_resource_type_does_not_emit(metric, dimensions, message):
    from components.alerts import MetricAlertProps, metric_alert
    from tests.helpers import PLACEMENT, synth_construct

    props = MetricAlertProps(
        name="a",
        description="d",
        placement=PLACEMENT,
        target_resource_id="/subscriptions/x/resourceGroups/rg/providers/Microsoft.DataFactory/"
        "factories/f",
        namespace=monitoring.FACTORIES,
        metric=metric,
        aggregation="Total",
        operator="GreaterThan",
        threshold=0,
        action_group_id="ag",
        dimensions=dimensions,
    )
    with pytest.raises(ValueError, match=message):
        synth_construct(lambda scope: metric_alert(scope, "alert", props))


def test_the_runbook_covers_every_alert(synthesized):
    text = (REPO_ROOT / "docs" / "operations.md").read_text()
    names = set()
    for stack in ("dev-platform", "dev-ingestion"):
        resources = _stack(synthesized, stack)["resource"]
        for kind in (
            "azurerm_monitor_metric_alert",
            "azurerm_monitor_scheduled_query_rules_alert_v2",
        ):
            names |= {
                a["name"].removeprefix("alert-mdp-dev-") for a in resources.get(kind, {}).values()
            }
    assert names == {
        "lake-availability",
        "lake-throttling",
        "key-expiry",
        "vault-denied",
        "pipeline-failed",
    }
    for name in names:
        assert f"`alert-<prefix>-<env>-{name}`" in text, name
    assert "### Lakehouse job failed or ran long" in text and "## Budgets" in text


def test_the_key_expiry_query_matches_key_vault_s_operation_names():
    """Key Vault logs SecretNearExpiryEventGridNotification and its kin ("Azure Key Vault
    logging"). KQL's `has` matches whole terms only, and such a name is one term: the query
    matches by suffix, and every documented near-expiry or expired name matches."""
    import re

    suffixes = re.findall(r'OperationName endswith "([^"]+)"', monitoring.KEY_EXPIRY_QUERY)
    assert suffixes and " has " not in monitoring.KEY_EXPIRY_QUERY
    for kind in ("Secret", "Key", "Certificate"):
        for event in ("NearExpiry", "Expired"):
            name = f"{kind}{event}EventGridNotification"
            assert any(name.endswith(s) for s in suffixes), name
    assert not any("NewVersionCreatedEventGridNotification".endswith(s) for s in suffixes)


def test_the_log_alerts_count_rows_and_stay_valid_on_an_empty_workspace():
    """A log alert with the Count aggregation counts the rows its query returns: a summarize
    would count groups. The typed empty table keeps the query valid before any vault logged."""
    for query in (monitoring.KEY_EXPIRY_QUERY, monitoring.DENIED_REQUESTS_QUERY):
        assert "summarize" not in query
        assert query.startswith("union isfuzzy=true\n    (datatable(")
