"""Log Analytics workspace and diagnostic settings that send a resource's logs to it."""

from __future__ import annotations

from dataclasses import dataclass, field

from cdktf_cdktf_provider_azurerm.log_analytics_workspace import LogAnalyticsWorkspace
from cdktf_cdktf_provider_azurerm.monitor_diagnostic_setting import (
    MonitorDiagnosticSetting,
    MonitorDiagnosticSettingEnabledLog,
    MonitorDiagnosticSettingEnabledMetric,
)
from constructs import Construct


@dataclass(frozen=True, kw_only=True)
class LogAnalyticsProps:
    name: str
    resource_group_name: str
    location: str
    retention_in_days: int
    """30-730 days."""
    tags: dict[str, str] = field(default_factory=dict)


class LogAnalytics(Construct):
    """The platform's Log Analytics workspace (local authentication off)."""

    def __init__(self, scope: Construct, id_: str, *, props: LogAnalyticsProps):
        super().__init__(scope, id_)
        if not 30 <= props.retention_in_days <= 730:
            raise ValueError(
                f"retention_in_days must be 30-730; got {props.retention_in_days}"
            )
        self.workspace = LogAnalyticsWorkspace(
            self,
            "workspace",
            name=props.name,
            resource_group_name=props.resource_group_name,
            location=props.location,
            sku="PerGB2018",
            retention_in_days=props.retention_in_days,
            local_authentication_enabled=False,
            tags=props.tags,
        )
        self.workspace_id: str = self.workspace.id


@dataclass(frozen=True, kw_only=True)
class DiagnosticsProps:
    target_resource_id: str
    log_analytics_workspace_id: str
    log_category_groups: tuple[str, ...] = ("allLogs",)
    """Category groups of logs to send. Default: allLogs. Empty for metric-only targets."""
    metrics: tuple[str, ...] = ()
    """Metric categories to send. Default: none."""


class Diagnostics(Construct):
    """Sends a resource's logs (and optionally metrics) to Log Analytics."""

    def __init__(self, scope: Construct, id_: str, *, props: DiagnosticsProps):
        super().__init__(scope, id_)
        if not props.log_category_groups and not props.metrics:
            raise ValueError("Diagnostics needs at least one log category group or metric")
        self.setting = MonitorDiagnosticSetting(
            self,
            "setting",
            name="diag-log-analytics",
            target_resource_id=props.target_resource_id,
            log_analytics_workspace_id=props.log_analytics_workspace_id,
            enabled_log=[
                MonitorDiagnosticSettingEnabledLog(category_group=group)
                for group in props.log_category_groups
            ]
            or None,
            enabled_metric=[
                MonitorDiagnosticSettingEnabledMetric(category=metric) for metric in props.metrics
            ]
            or None,
        )
