"""Log Analytics workspace and diagnostic settings that send a resource's logs to it."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_azurerm.log_analytics_workspace import LogAnalyticsWorkspace
from cdktf_cdktf_provider_azurerm.monitor_diagnostic_setting import (
    MonitorDiagnosticSetting,
    MonitorDiagnosticSettingEnabledLog,
    MonitorDiagnosticSettingEnabledMetric,
)
from constructs import Construct

from components.placement import Placement
from vocabulary.azure import LOG_RETENTION_DAYS, check_range


@dataclass(frozen=True, kw_only=True)
class LogAnalyticsProps:
    name: str
    placement: Placement
    retention_in_days: int
    """30-730 days."""


class LogAnalytics(Construct):
    """The platform's Log Analytics workspace (local authentication off)."""

    def __init__(self, scope: Construct, id_: str, *, props: LogAnalyticsProps):
        super().__init__(scope, id_)
        check_range("retention_in_days", props.retention_in_days, LOG_RETENTION_DAYS, "days")
        self.workspace = LogAnalyticsWorkspace(
            self,
            "workspace",
            name=props.name,
            resource_group_name=props.placement.resource_group_name,
            location=props.placement.location,
            sku="PerGB2018",
            retention_in_days=props.retention_in_days,
            local_authentication_enabled=False,
            tags=props.placement.tag_map(),
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
    destination_type: str | None = None
    """"Dedicated": the logs go to the service's resource-specific tables (where it has them)
    instead of AzureDiagnostics. Default: Azure's (AzureDiagnostics)."""


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
            log_analytics_destination_type=props.destination_type,
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
