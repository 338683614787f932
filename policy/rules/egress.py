"""Egress: a firewall that allows what the workspace needs (one rule per requirement of
vocabulary/egress.py, so a requirement added there is checked here), the Databricks subnets'
routes through it, and serverless egress restricted wherever classic egress is."""

from __future__ import annotations

from collections.abc import Iterator

from policy.rules.registry import Finding, Json, as_list, rule
from tooling.synthesized import REFERENCE, SynthesizedEnvironment, resolve
from vocabulary import azure, egress

DATABRICKS_DELEGATION = "Microsoft.Databricks/workspaces"


def _databricks_subnets(env: SynthesizedEnvironment) -> Iterator[tuple[str, str, Json]]:
    for stack, address, subnet in env.resources("azurerm_subnet"):
        if any(
            (d.get("service_delegation") or {}).get("name") == DATABRICKS_DELEGATION
            for d in subnet.get("delegation") or []
        ):
            yield stack, address, subnet


def _back_end_private_link(env: SynthesizedEnvironment) -> bool:
    """Every workspace of the environment reaches its control plane over back-end Private Link
    (its network security group rules are not AllRules)."""
    workspaces = [w for _, _, w in env.resources("azurerm_databricks_workspace")]
    return bool(workspaces) and all(
        w.get("network_security_group_rules_required") != "AllRules" for w in workspaces
    )


def _package_hosts(env: SynthesizedEnvironment) -> tuple[str, ...]:
    """The hosts the jobs' PyPI libraries install from (the public PyPI by default)."""
    from urllib.parse import urlsplit

    repos = {
        str((library.get("pypi") or {}).get("repo") or "")
        for _, _, job in env.resources("databricks_job")
        for task in as_list(job.get("task"))
        for library in as_list(task.get("library"))
        if library.get("pypi")
    }
    hosts = tuple(sorted(urlsplit(r).hostname or "" for r in repos if r))
    if any(not r for r in repos) or not repos:
        hosts += egress.PUBLIC_PYPI
    return hosts


def _collections(group: Json, kind: str) -> list[Json]:
    return [
        rule
        for collection in as_list(group.get(f"{kind}_rule_collection"))
        if collection.get("action") == "Allow"
        for rule in as_list(collection.get("rule"))
    ]


def _ports(ports: list[str]) -> set[int]:
    out: set[int] = set()
    for port in ports:
        low, _, high = str(port).partition("-")
        out.update(range(int(low), int(high or low) + 1))
    return out


def _allows(
    env: SynthesizedEnvironment,
    requirement: egress.Requirement,
    group: Json,
    location: str,
    sources: set[str],
) -> str | None:
    """What the rule collection group lacks of the requirement (None: it allows it)."""
    if requirement is egress.PACKAGE_INDEX:
        wanted = set(_package_hosts(env))
        allowed = {
            fqdn
            for allow in _collections(group, "application")
            if sources <= set(allow.get("source_addresses") or [])
            and any(p.get("port") == 443 for p in as_list(allow.get("protocols")))
            for fqdn in allow.get("destination_fqdns") or []
        }
        missing = sorted(wanted - allowed)
        return f"no HTTPS application rule to {', '.join(missing)}" if missing else None
    for destination in requirement.resolved(location):
        ports = _ports(list(requirement.ports))
        covered: set[int] = set()
        for allow in _collections(group, "network"):
            protocols = allow.get("protocols") or []
            if (
                destination in (allow.get("destination_addresses") or [])
                and sources <= set(allow.get("source_addresses") or [])
                and ("TCP" in protocols or "Any" in protocols)
            ):
                covered |= _ports(allow.get("destination_ports") or [])
        if not ports <= covered:
            return (
                f"no network rule allows {destination} on TCP "
                f"{', '.join(requirement.ports)} from the Databricks subnets"
            )
    return None


def _firewalls(env: SynthesizedEnvironment) -> Iterator[tuple[str, str, Json, Json | None]]:
    """(stack, address, firewall, its policy's rule collection group) of each firewall."""
    for stack, address, firewall in env.resources("azurerm_firewall"):
        policy = str(firewall.get("firewall_policy_id") or "")
        groups = [
            g
            for _, _, g in env.resources("azurerm_firewall_policy_rule_collection_group")
            if g.get("firewall_policy_id") == policy
        ]
        yield stack, address, firewall, (groups[0] if groups else None)


def _requirement_rule(requirement: egress.Requirement) -> None:
    when = f" ({requirement.when})" if requirement.when else ""

    def check(env: SynthesizedEnvironment) -> Iterator[Finding]:
        if requirement is egress.CONTROL_PLANE and _back_end_private_link(env):
            return
        sources = {
            resolve(env.stacks, cidr)
            for _, _, subnet in _databricks_subnets(env)
            for cidr in subnet.get("address_prefixes") or []
        }
        for stack, address, firewall, group in _firewalls(env):
            if group is None:
                yield Finding(stack, address, "its policy has no rule collection group")
                continue
            lacks = _allows(env, requirement, group, str(firewall.get("location")), sources)
            if lacks:
                yield Finding(stack, address, f"{requirement.what}: {lacks}")

    shown = ", ".join(requirement.documented())
    rule(
        f"firewall-allows-{requirement.key}",
        f"A firewall the Databricks subnets route through allows {requirement.what} "
        f"({shown}, TCP {', '.join(requirement.ports)}){when}: {requirement.why}.",
        requirement.source[0],
        requirement.source[1],
    )(check)


for _requirement in (*egress.REQUIREMENTS, egress.PACKAGE_INDEX):
    _requirement_rule(_requirement)


def _default_route_to(route_table: Json) -> str | None:
    for route in as_list(route_table.get("route")):
        if route.get("address_prefix") == "0.0.0.0/0" and (
            route.get("next_hop_type") == "VirtualAppliance"
        ):
            return str(route.get("next_hop_in_ip_address"))
    return None


@rule(
    "databricks-egress-through-the-firewall",
    "Where a firewall filters egress, both Databricks subnets route 0.0.0.0/0 to it: the "
    "sandbox's own route table sends it to its firewall's private IP (a route to a virtual "
    "appliance takes precedence over a NAT gateway kept for the move); IT's route table is "
    "read, and the plan fails unless its default route goes to network.it_firewall_private_ip.",
    "Azure Databricks: User-defined route settings for Azure Databricks",
    "https://learn.microsoft.com/azure/databricks/security/network/classic/udr",
)
def _egress_through_the_firewall(env: SynthesizedEnvironment) -> Iterator[Finding]:
    firewalls = {
        f"${{{address}.ip_configuration[0].private_ip_address}}"
        for _, address, _, _ in _firewalls(env)
    }
    it_checks = _it_route_table_checks(env)
    if not firewalls and not it_checks:
        return
    for stack, address, _ in _databricks_subnets(env):
        reference = f"${{{address}.id}}"
        tables = [
            str(a.get("route_table_id"))
            for _, _, a in env.resources("azurerm_subnet_route_table_association", env.kind(stack))
            if a.get("subnet_id") == reference
        ]
        if not tables:
            yield Finding(stack, address, "no route table: its egress bypasses the firewall")
            continue
        for table in tables:
            problem = _route_problem(env, stack, table, firewalls, it_checks)
            if problem:
                yield Finding(stack, address, problem)


def _it_route_table_checks(env: SynthesizedEnvironment) -> dict[str, bool]:
    """IT's route tables the stacks read, by name: whether the read fails the plan unless the
    default route goes to the configured firewall."""
    found: dict[str, bool] = {}
    for tf in env.stacks.values():
        for body in (tf.get("data", {}).get("azurerm_route_table") or {}).values():
            conditions = [
                str(p.get("condition"))
                for p in as_list((body.get("lifecycle") or {}).get("postcondition"))
            ]
            found[str(body.get("name"))] = any(
                '"0.0.0.0/0"' in c
                and '"VirtualAppliance"' in c
                and f"local.{egress.IT_FIREWALL_LOCAL}" in c
                for c in conditions
            )
    return found


def _route_problem(
    env: SynthesizedEnvironment,
    stack: str,
    table: str,
    firewalls: set[str],
    it_checks: dict[str, bool],
) -> str | None:
    match = REFERENCE.fullmatch(table)
    if match and match["type"] == "azurerm_route_table" and not match["data"]:
        body = env.lookup(stack, table.replace(".id}", ".name}")) or {}
        hop = _default_route_to(body)
        if hop not in firewalls:
            return (
                f"its route table sends 0.0.0.0/0 to {hop or 'no virtual appliance'}, not to a "
                "firewall's private IP: its egress bypasses the firewall"
            )
        return None
    parsed = azure.parse_resource_id(table, "Microsoft.Network", "routeTables")
    name = parsed.name if parsed else table
    if not it_checks.get(name):
        return (
            f"IT's route table {name} is not read with a check that its 0.0.0.0/0 route goes "
            "to network.it_firewall_private_ip"
        )
    return None


def _is_firewall_routed(env: SynthesizedEnvironment, prefix: str) -> bool:
    scoped = SynthesizedEnvironment(
        name=prefix, stacks={s: tf for s, tf in env.stacks.items() if s.startswith(f"{prefix}-")}
    )
    return any(
        a.get("subnet_id")
        in {f"${{{address}.id}}" for _, address, _ in _databricks_subnets(scoped)}
        for _, _, a in scoped.resources("azurerm_subnet_route_table_association")
    )


@rule(
    "serverless-egress-restricted",
    "An environment whose classic egress passes a firewall restricts its serverless egress "
    "too: its workspace is bound to a network policy that an account scope declares with "
    "RESTRICTED_ACCESS (otherwise serverless compute is the way out).",
    *egress.SERVERLESS,
    across=True,
)
def _serverless_egress_restricted(everything: SynthesizedEnvironment) -> Iterator[Finding]:
    policies: dict[str, str] = {}
    for _, _, policy in everything.resources("databricks_account_network_policy"):
        access = ((policy.get("egress") or {}).get("network_access")) or {}
        policies[str(policy.get("network_policy_id"))] = str(access.get("restriction_mode"))
    # A synthesis of some environments without their account scope (ENVIRONMENTS=dev) cannot
    # say what a policy holds; the full synthesis (make policy, CI) can.
    has_account_scope = any(s.endswith("-account") for s in everything.stacks)
    bound: dict[str, list[tuple[str, str, Json]]] = {}
    for stack, address, option in everything.resources("databricks_workspace_network_option"):
        bound.setdefault(stack.split("-", 1)[0], []).append((stack, address, option))
        policy_id = str(option.get("network_policy_id"))
        if has_account_scope and policies.get(policy_id) != "RESTRICTED_ACCESS":
            yield Finding(
                stack,
                address,
                f"binds the workspace to {policy_id!r}, which no account scope declares with "
                "RESTRICTED_ACCESS",
            )
    prefixes = sorted({s.split("-", 1)[0] for s in everything.stacks})
    for prefix in prefixes:
        if prefix in bound or not _is_firewall_routed(everything, prefix):
            continue
        for stack, address, _ in everything.resources("azurerm_databricks_workspace"):
            if stack.startswith(f"{prefix}-"):
                yield Finding(
                    stack,
                    address,
                    "its classic egress passes a firewall but its serverless egress is not "
                    "restricted: bind it to a network policy (databricks.network_policy)",
                )
