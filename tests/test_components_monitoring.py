"""components.monitoring: Log Analytics and diagnostic settings."""

from __future__ import annotations

import pytest

from components.monitoring import Diagnostics, DiagnosticsProps, LogAnalytics, LogAnalyticsProps
from tests.helpers import PLACEMENT, only, synth_construct


def log_analytics(retention: int):
    return synth_construct(
        lambda s: LogAnalytics(
            s,
            "log",
            props=LogAnalyticsProps(
                name="log-mdp-dev", placement=PLACEMENT, retention_in_days=retention
            ),
        )
    )


def test_log_analytics_has_no_local_authentication():
    workspace = only(log_analytics(30), "azurerm_log_analytics_workspace")
    assert workspace["local_authentication_enabled"] is False
    assert workspace["sku"] == "PerGB2018"


def test_log_analytics_retention_option():
    workspace = only(log_analytics(90), "azurerm_log_analytics_workspace")
    assert workspace["retention_in_days"] == 90


def test_fails_if_retention_out_of_range():
    with pytest.raises(ValueError, match="retention_in_days must be 30-730 days; got 7"):
        log_analytics(7)


def diagnostics(**overrides):
    values = dict(target_resource_id="target", log_analytics_workspace_id="log")
    return synth_construct(
        lambda s: Diagnostics(s, "diag", props=DiagnosticsProps(**{**values, **overrides}))
    )


def test_diagnostics_send_all_logs_by_default():
    setting = only(diagnostics(), "azurerm_monitor_diagnostic_setting")
    assert setting["enabled_log"] == [{"category_group": "allLogs"}]
    assert "enabled_metric" not in setting
    assert (setting["target_resource_id"], setting["log_analytics_workspace_id"]) == (
        "target",
        "log",
    )


def test_diagnostics_metrics_option():
    setting = only(
        diagnostics(log_category_groups=(), metrics=("Transaction",)),
        "azurerm_monitor_diagnostic_setting",
    )
    assert setting["enabled_metric"] == [{"category": "Transaction"}]
    assert "enabled_log" not in setting


def test_fails_if_diagnostics_send_nothing():
    with pytest.raises(ValueError, match="at least one log category group or metric"):
        diagnostics(log_category_groups=())
