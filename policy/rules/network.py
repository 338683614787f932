"""Network: egress for the Databricks subnets, private workspace storage, serverless compute's
path to the lake."""

from __future__ import annotations

from collections.abc import Iterator

from policy.rules.registry import Finding, as_list, rule
from tooling.synthesized import REFERENCE, SynthesizedEnvironment, resolve
from vocabulary.platform import LAKE_SUBRESOURCES


@rule(
    "databricks-subnets-have-egress",
    "Every subnet delegated to Databricks without default outbound access has an egress path: "
    "a NAT gateway or a route table (IT's firewall). Clusters without public IPs reach the "
    "control plane only through it.",
    "Azure Databricks: User-defined route settings for Azure Databricks",
    "https://learn.microsoft.com/azure/databricks/security/network/classic/udr",
)
def _databricks_subnets_have_egress(env: SynthesizedEnvironment) -> Iterator[Finding]:
    for stack, address, subnet in env.resources("azurerm_subnet"):
        delegated = any(
            (d.get("service_delegation") or {}).get("name") == "Microsoft.Databricks/workspaces"
            for d in subnet.get("delegation") or []
        )
        if not delegated or subnet.get("default_outbound_access_enabled") is not False:
            continue
        reference = f"${{{address}.id}}"
        paths = [
            body
            for kind in (
                "azurerm_subnet_nat_gateway_association",
                "azurerm_subnet_route_table_association",
            )
            for _, _, body in env.resources(kind, env.kind(stack))
            if body.get("subnet_id") == reference
        ]
        if not paths:
            yield Finding(
                stack,
                address,
                "no NAT gateway and no route table: clusters could not reach the control "
                "plane (set network.route_table_id or network.nat_gateway)",
            )


@rule(
    "private-workspace-has-private-storage",
    "A workspace without public network access keeps its own storage account private too: the "
    "storage firewall on with the access connector, and dfs and blob private endpoints to it "
    "(or, as the first of two deploys on an existing workspace, the endpoints alone).",
    "Azure Databricks: Enable firewall support for your workspace storage account",
    "https://learn.microsoft.com/azure/databricks/security/network/storage/firewall-support",
)
def _private_workspace_has_private_storage(env: SynthesizedEnvironment) -> Iterator[Finding]:
    for stack, address, workspace in env.resources("azurerm_databricks_workspace"):
        if workspace.get("public_network_access_enabled") is not False:
            continue
        problems = []
        if workspace.get("default_storage_firewall_enabled") is not True:
            problems.append("its storage firewall is off")
        if not workspace.get("access_connector_id"):
            problems.append("no access connector reaches its storage")
        managed_storage = (
            f"/resourceGroups/{workspace.get('managed_resource_group_name')}"
            "/providers/Microsoft.Storage/storageAccounts/"
        )
        reached = {
            (endpoint.get("private_service_connection") or {}).get("subresource_names", [""])[0]
            for _, _, endpoint in env.resources("azurerm_private_endpoint", env.kind(stack))
            if managed_storage
            in str(
                (endpoint.get("private_service_connection") or {}).get(
                    "private_connection_resource_id", ""
                )
            )
        }
        missing = sorted(set(LAKE_SUBRESOURCES) - reached)
        if missing:
            problems.append(f"no {' and no '.join(missing)} private endpoint to its storage")
        first_step = not missing and workspace.get("default_storage_firewall_enabled") is None
        if first_step and not workspace.get("access_connector_id"):
            # private_workspace_storage: endpoints, the documented first of two deploys.
            continue
        if problems:
            yield Finding(stack, address, "; ".join(problems))


@rule(
    "serverless-reaches-the-lake",
    "A serverless SQL warehouse's workspace is bound to a network connectivity configuration "
    "with private endpoint rules to the lake's dfs and blob: serverless compute reaches a lake "
    "with public access off only through them.",
    "Azure Databricks: Configure private connectivity from serverless compute",
    "https://learn.microsoft.com/azure/databricks/security/network/serverless-network-security/serverless-private-link",
)
def _serverless_reaches_the_lake(env: SynthesizedEnvironment) -> Iterator[Finding]:
    serverless = [
        (stack, address)
        for stack, address, warehouse in env.resources("databricks_sql_endpoint")
        if warehouse.get("enable_serverless_compute") is True
    ]
    if not serverless:
        return
    bindings = list(env.resources("databricks_mws_ncc_binding"))
    reached = {
        rule.get("group_id")
        for stack, _, rule in env.resources("databricks_mws_ncc_private_endpoint_rule")
        if (
            REFERENCE.fullmatch(env.origin(stack, str(rule.get("resource_id")))[1]) or {"type": ""}
        )["type"]
        == "azurerm_storage_account"
    }
    missing = sorted(set(LAKE_SUBRESOURCES) - reached)
    for stack, address in serverless:
        if not bindings:
            yield Finding(
                stack,
                address,
                "the workspace is bound to no network connectivity configuration",
            )
        if missing:
            yield Finding(
                stack,
                address,
                f"no private endpoint rule to the lake's {' and '.join(missing)}",
            )


@rule(
    "public-workspace-limited-where-it-opens",
    "A workspace with public network access gets its IP allow list, and the conf that turns IP "
    "access lists on, in the stack that creates it, through a provider configured from it: with "
    "the feature off or no list, the workspace answers every address, so a list set by a later "
    "stack leaves it open to everyone until that stack applies.",
    "Azure Databricks: Configure IP access lists for workspaces",
    "https://learn.microsoft.com/azure/databricks/security/network/front-end/ip-access-list-workspace",
)
def _public_workspace_limited_where_it_opens(env: SynthesizedEnvironment) -> Iterator[Finding]:
    lists = list(env.resources("databricks_ip_access_list"))
    turned_on = [
        (stack, address, conf)
        for stack, address, conf in env.resources("databricks_workspace_conf")
        if str((conf.get("custom_config") or {}).get("enableIpAccessLists")).lower() == "true"
    ]
    if not lists and not turned_on:
        return  # waived (workloads.ip_access.waive_allow_list); the config check asks for it
    for stack, address, workspace in env.resources("azurerm_databricks_workspace"):
        if workspace.get("public_network_access_enabled") is not True:
            continue
        elsewhere = sorted(({s for s, _, _ in lists} | {s for s, _, _ in turned_on}) - {stack})
        if elsewhere:
            yield Finding(
                stack,
                address,
                f"its IP access lists are set by {', '.join(elsewhere)}: the workspace answers "
                f"every address until then; set them in {stack}",
            )
        allow = [
            body
            for s, _, body in lists
            if s == stack
            and body.get("list_type") == "ALLOW"
            and body.get("ip_addresses")
            and body.get("enabled") is not False
        ]
        if not allow:
            yield Finding(stack, address, "no enabled allow list in the stack that opens it")
        here = [body for s, _, body in turned_on if s == stack]
        if not here:
            yield Finding(
                stack,
                address,
                "no databricks_workspace_conf turns enableIpAccessLists on in the stack that "
                "opens it: a list has no effect until the feature is on",
            )
        hosts = {
            str(p.get("alias") or ""): str(p.get("host", ""))
            for p in as_list((env.stacks[stack].get("provider") or {}).get("databricks"))
        }
        for body in [*allow, *here]:
            alias = str(body.get("provider", "")).removeprefix("databricks").lstrip(".")
            if f"{address}.workspace_url" not in hosts.get(alias, ""):
                yield Finding(
                    stack,
                    address,
                    "its IP access list or conf goes through a Databricks provider not "
                    f"configured from this workspace (host {hosts.get(alias) or 'unset'}): it "
                    "would limit another workspace",
                )
                break


@rule(
    "public-workspace-allows-its-clusters",
    "A public workspace whose clusters have no public IP and no back-end Private Link (its "
    "network security group rules AllRules) allows its egress public IP (its NAT "
    "gateway's or firewall's) in its IP access list: the compute plane reaches the control "
    "plane from it, and classic clusters cannot start otherwise.",
    "Azure Databricks: Configure IP access lists for workspaces, 'Requirements'",
    "https://learn.microsoft.com/azure/databricks/security/network/front-end/ip-access-list-workspace",
)
def _public_workspace_allows_its_clusters(env: SynthesizedEnvironment) -> Iterator[Finding]:
    nat_ips = {
        str(association.get("public_ip_address_id", "")).replace(".id}", ".ip_address}")
        for stack, _, association in env.resources("azurerm_nat_gateway_public_ip_association")
    } | {
        str(configuration.get("public_ip_address_id", "")).replace(".id}", ".ip_address}")
        for _, _, firewall in env.resources("azurerm_firewall")
        for configuration in as_list(firewall.get("ip_configuration"))
    }
    lists = list(env.resources("databricks_ip_access_list"))
    if not nat_ips or not lists:
        return
    allowed = {
        resolve(env.stacks, str(a)).removesuffix("/32")
        for _, _, body in lists
        if body.get("list_type") == "ALLOW"
        for a in body.get("ip_addresses") or []
    }
    for stack, address, workspace in env.resources("azurerm_databricks_workspace"):
        no_public_ip = (workspace.get("custom_parameters") or {}).get("no_public_ip") is True
        back_end = workspace.get("network_security_group_rules_required") != "AllRules"
        if workspace.get("public_network_access_enabled") is not True or not no_public_ip:
            continue
        missing = sorted(nat_ips - allowed)
        if not back_end and missing:
            yield Finding(
                stack,
                address,
                f"its allow list lacks the egress public IP ({', '.join(missing)}): its "
                "clusters could not reach the control plane",
            )
