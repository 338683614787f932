"""Alerts as code: the environment's action group, metric and log alerts that notify it, and a
resource group budget (docs/operations.md says what each alert means and what to do).

The alerts follow Azure Monitor Baseline Alerts where it has one for the resource type; every
metric and dimension comes from vocabulary/monitoring.py, which the deployment rule
`alert-metric-exists` checks each synthesized alert against.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_azurerm.consumption_budget_resource_group import (
    ConsumptionBudgetResourceGroup,
    ConsumptionBudgetResourceGroupNotification,
    ConsumptionBudgetResourceGroupTimePeriod,
)
from cdktf_cdktf_provider_azurerm.monitor_action_group import (
    MonitorActionGroup,
    MonitorActionGroupEmailReceiver,
    MonitorActionGroupWebhookReceiver,
)
from cdktf_cdktf_provider_azurerm.monitor_metric_alert import (
    MonitorMetricAlert,
    MonitorMetricAlertAction,
    MonitorMetricAlertCriteria,
    MonitorMetricAlertCriteriaDimension,
)
from cdktf_cdktf_provider_azurerm.monitor_scheduled_query_rules_alert_v2 import (
    MonitorScheduledQueryRulesAlertV2,
    MonitorScheduledQueryRulesAlertV2Action,
    MonitorScheduledQueryRulesAlertV2Criteria,
    MonitorScheduledQueryRulesAlertV2CriteriaFailingPeriods,
)
from constructs import Construct

from components.placement import Placement
from vocabulary import monitoring

ACTION_GROUP_SHORT_NAME_MAX = 12
"""An action group's short name, used in its SMS and e-mail subjects (azurerm validates 1-12)."""


@dataclass(frozen=True, kw_only=True)
class ActionGroupProps:
    name: str
    short_name: str
    placement: Placement
    emails: tuple[str, ...]
    webhook_url: str | None = None
    """An incoming webhook (Teams, Slack) the group calls. Default: none."""


class ActionGroup(Construct):
    """Where the environment's alerts go: e-mail, and optionally a webhook (common schema)."""

    def __init__(self, scope: Construct, id_: str, *, props: ActionGroupProps):
        super().__init__(scope, id_)
        if not props.emails:
            raise ValueError("emails must name at least one address")
        if not 1 <= len(props.short_name) <= ACTION_GROUP_SHORT_NAME_MAX:
            raise ValueError(
                f"short_name {props.short_name!r}: 1-{ACTION_GROUP_SHORT_NAME_MAX} characters"
            )
        self.group = MonitorActionGroup(
            self,
            "group",
            name=props.name,
            resource_group_name=props.placement.resource_group_name,
            short_name=props.short_name,
            email_receiver=[
                MonitorActionGroupEmailReceiver(
                    name=f"email-{i}", email_address=email, use_common_alert_schema=True
                )
                for i, email in enumerate(props.emails)
            ],
            webhook_receiver=[
                MonitorActionGroupWebhookReceiver(
                    name="webhook", service_uri=props.webhook_url, use_common_alert_schema=True
                )
            ]
            if props.webhook_url
            else None,
            tags=props.placement.tag_map(),
        )
        self.id: str = self.group.id


@dataclass(frozen=True, kw_only=True)
class MetricAlertProps:
    name: str
    description: str
    placement: Placement
    target_resource_id: str
    namespace: str
    metric: str
    aggregation: str
    operator: str
    threshold: float
    action_group_id: str
    dimensions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    window: str = "PT15M"
    frequency: str = "PT5M"
    severity: int = 2


def metric_alert(scope: Construct, id_: str, props: MetricAlertProps) -> MonitorMetricAlert:
    """A static-threshold metric alert on one resource, checked against the vocabulary."""
    known = monitoring.metric(props.namespace, props.metric)
    if known is None:
        raise ValueError(
            f"{props.namespace} has no metric {props.metric!r} (vocabulary/monitoring)"
        )
    unknown = sorted(set(props.dimensions) - set(known.dimensions))
    if unknown:
        raise ValueError(
            f"{props.metric} has no dimension {', '.join(unknown)}; it has "
            f"{', '.join(known.dimensions)}"
        )
    return MonitorMetricAlert(
        scope,
        id_,
        name=props.name,
        description=props.description,
        resource_group_name=props.placement.resource_group_name,
        scopes=[props.target_resource_id],
        severity=props.severity,
        window_size=props.window,
        frequency=props.frequency,
        criteria=[
            MonitorMetricAlertCriteria(
                metric_namespace=props.namespace,
                metric_name=props.metric,
                aggregation=props.aggregation,
                operator=props.operator,
                threshold=props.threshold,
                dimension=[
                    MonitorMetricAlertCriteriaDimension(
                        name=name, operator="Include", values=list(values)
                    )
                    for name, values in sorted(props.dimensions.items())
                ]
                or None,
            )
        ],
        action=[MonitorMetricAlertAction(action_group_id=props.action_group_id)],
        tags=props.placement.tag_map(),
    )


@dataclass(frozen=True, kw_only=True)
class LogAlertProps:
    name: str
    description: str
    placement: Placement
    log_analytics_workspace_id: str
    query: str
    threshold: int
    action_group_id: str
    window: str = "PT1H"
    frequency: str = "PT15M"
    severity: int = 2
    mute_for: str | None = None
    """Notify once, then mute the rule's actions this long (ISO 8601): an event that stays in
    the window would notify at every evaluation otherwise. Default: none."""


def log_alert(
    scope: Construct, id_: str, props: LogAlertProps
) -> MonitorScheduledQueryRulesAlertV2:
    """A log search alert on the Log Analytics workspace: fires when the query returns at
    least `threshold` rows in the window."""
    return MonitorScheduledQueryRulesAlertV2(
        scope,
        id_,
        name=props.name,
        description=props.description,
        resource_group_name=props.placement.resource_group_name,
        location=props.placement.location,
        scopes=[props.log_analytics_workspace_id],
        evaluation_frequency=props.frequency,
        window_duration=props.window,
        severity=props.severity,
        criteria=[
            MonitorScheduledQueryRulesAlertV2Criteria(
                query=props.query,
                time_aggregation_method="Count",
                operator="GreaterThanOrEqual",
                threshold=props.threshold,
                failing_periods=MonitorScheduledQueryRulesAlertV2CriteriaFailingPeriods(
                    minimum_failing_periods_to_trigger_alert=1, number_of_evaluation_periods=1
                ),
            )
        ],
        action=MonitorScheduledQueryRulesAlertV2Action(action_groups=[props.action_group_id]),
        mute_actions_after_alert_duration=props.mute_for,
        # The queries stay valid on an empty workspace (vocabulary/monitoring.py); a new
        # environment's table may still be missing when the rule is created.
        skip_query_validation=True,
        tags=props.placement.tag_map(),
    )


@dataclass(frozen=True, kw_only=True)
class BudgetProps:
    name: str
    resource_group_id: str
    amount: float
    start_date: str
    """YYYY-MM-01."""
    actual_percent: tuple[int, ...]
    forecast_percent: tuple[int, ...]
    action_group_id: str


def budget(scope: Construct, id_: str, props: BudgetProps) -> ConsumptionBudgetResourceGroup:
    """A monthly cost budget on the resource group that notifies the action group
    ("Tutorial: Create and manage budgets")."""
    if not props.start_date.endswith("-01"):
        raise ValueError(f"start_date {props.start_date!r}: the first day of a month")
    notifications = [
        ConsumptionBudgetResourceGroupNotification(
            enabled=True,
            operator="GreaterThanOrEqualTo",
            threshold=percent,
            threshold_type=kind,
            contact_groups=[props.action_group_id],
        )
        for kind, percents in (
            ("Actual", props.actual_percent),
            ("Forecasted", props.forecast_percent),
        )
        for percent in percents
    ]
    if not notifications:
        raise ValueError("a budget needs at least one actual or forecast threshold")
    return ConsumptionBudgetResourceGroup(
        scope,
        id_,
        name=props.name,
        resource_group_id=props.resource_group_id,
        amount=props.amount,
        time_grain="Monthly",
        time_period=ConsumptionBudgetResourceGroupTimePeriod(
            start_date=f"{props.start_date}T00:00:00Z"
        ),
        notification=notifications,
        # The start date forces a new budget (consumption_budget_base.go:225-229 at v4.55.0),
        # and Azure creates none that starts before the current month: a date edited after the
        # first deploy must not replace the budget.
        lifecycle=TerraformResourceLifecycle(ignore_changes=["time_period"]),
    )
