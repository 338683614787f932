"""Monitoring: every alert watches a metric its resource type emits, and every alert and budget
notifies the environment's action group."""

from __future__ import annotations

from collections.abc import Iterator

from policy.rules.registry import Finding, as_list, rule
from tooling.synthesized import SynthesizedEnvironment
from vocabulary import monitoring


@rule(
    "alert-metric-exists",
    "A metric alert's criteria name a metric, and dimensions, that its resource type emits, as "
    "Microsoft's supported-metrics page of the type spells them: Azure accepts an alert on a "
    "misspelt metric only to refuse it, or never fire.",
    "Azure Monitor: Supported metrics with Azure Monitor",
    "https://learn.microsoft.com/azure/azure-monitor/reference/metrics-index",
)
def _alert_metric_exists(env: SynthesizedEnvironment) -> Iterator[Finding]:
    for stack, address, alert in env.resources("azurerm_monitor_metric_alert"):
        for criteria in as_list(alert.get("criteria")):
            namespace, name = str(criteria.get("metric_namespace")), criteria.get("metric_name")
            known = monitoring.metric(namespace, str(name))
            if known is None:
                offered = sorted(m.name for m in monitoring.METRICS if m.namespace == namespace)
                yield Finding(
                    stack,
                    address,
                    f"{namespace} emits no metric {name!r} (known here: "
                    f"{', '.join(offered) or 'none of this type'})",
                )
                continue
            for dimension in as_list(criteria.get("dimension")):
                if dimension.get("name") not in known.dimensions:
                    yield Finding(
                        stack,
                        address,
                        f"{name} has no dimension {dimension.get('name')!r}; it has "
                        f"{', '.join(known.dimensions)}",
                    )


@rule(
    "alerts-reach-the-action-group",
    "Every metric alert, log alert and budget of an environment notifies an action group that "
    "the environment creates: an alert that notifies nobody is found only in the portal.",
    "Azure Monitor: Action groups",
    "https://learn.microsoft.com/azure/azure-monitor/alerts/action-groups",
)
def _alerts_reach_the_action_group(env: SynthesizedEnvironment) -> Iterator[Finding]:
    groups = {
        f"${{azurerm_monitor_action_group.{address.split('.', 1)[1]}.id}}"
        for _, address, _ in env.resources("azurerm_monitor_action_group")
    }

    def notified(stack: str, targets: list[str]) -> bool:
        resolved = {env.origin(stack, t)[1] for t in targets}
        return bool(resolved) and resolved <= groups

    for stack, address, alert in env.resources("azurerm_monitor_metric_alert"):
        targets = [str(a.get("action_group_id")) for a in as_list(alert.get("action"))]
        if not notified(stack, targets):
            yield Finding(stack, address, "notifies no action group of the environment")
    for stack, address, alert in env.resources("azurerm_monitor_scheduled_query_rules_alert_v2"):
        action = (alert.get("action") or {}) if isinstance(alert.get("action"), dict) else {}
        if not notified(stack, [str(g) for g in action.get("action_groups") or []]):
            yield Finding(stack, address, "notifies no action group of the environment")
    for stack, address, budget in env.resources("azurerm_consumption_budget_resource_group"):
        for notification in as_list(budget.get("notification")):
            if not notified(stack, [str(g) for g in notification.get("contact_groups") or []]):
                yield Finding(
                    stack,
                    address,
                    f"its {notification.get('threshold_type')} {notification.get('threshold')}% "
                    "notification reaches no action group of the environment",
                )
