"""The workspace's conf and IP allow list, set by the stack that creates the workspace (Databricks
provider, workspace level, configured from that workspace in the same stack).

A public workspace answers every address until its allow list exists and the feature is on:
"If the IP access list feature is enabled and there are no allow lists or block lists for a
workspace, all IP addresses are allowed", and a list "has no effect until you enable the
feature" (Microsoft Learn, "Configure IP access lists for workspaces",
https://learn.microsoft.com/azure/databricks/security/network/front-end/ip-access-list-workspace).
Set in a later stack, the workspace would be open to everyone between the two applies; here it
is open only for the minutes between the workspace's create and the list's, in one apply.
The hardening keys share the conf: the provider's page recommends one databricks_workspace_conf
per workspace, and a workspace is hardened from its first apply too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_databricks.ip_access_list import IpAccessList
from cdktf_cdktf_provider_databricks.workspace_conf import WorkspaceConf
from constructs import Construct

from vocabulary.azure import max_prefix_problem

HARDENING_KEYS = frozenset(
    {
        "maxTokenLifetimeDays",
        "enableDbfsFileBrowser",
        "enableResultsDownloading",
        "enableExportNotebook",
        "enableWebTerminal",
        "enableVerboseAuditLogs",
    }
)
"""The databricks_workspace_conf keys the platform manages besides enableIpAccessLists."""

ALLOW_LIST_LABEL = "platform-allow"
"""The allow list's label. Not the `allow` of the list the workloads stack held before
(docs/deployment.md, "The IP access list where the workspace opens"): during that upgrade both
exist for one deploy, the new one created before the old one is deleted."""


@dataclass(frozen=True, kw_only=True)
class WorkspaceConfProps:
    ip_access_allow: tuple[str, ...] = ()
    """CIDRs the workspace accepts (turns IP access lists on). Default: no list."""
    egress_addresses: tuple[str, ...] = ()
    """Addresses known only at deploy, allowed as /32 with the list: the clusters' egress (a NAT
    gateway's public IP, a reference). Without back-end Private Link the compute plane reaches
    the control plane from them, and "you must add all public IPs that the compute plane uses
    to access the control plane to the allow list" (the page above). Default: none."""
    conf: Mapping[str, str] = field(default_factory=dict)
    """Further databricks_workspace_conf keys (HARDENING_KEYS). Default: none."""
    reachable_after: Sequence[ITerraformDependable] = ()
    """What the deployer reaches the workspace API through (a private workspace's UI/API
    private endpoint and its DNS record): the conf waits for it. Default: nothing."""


class WorkspaceConfAndAllowList(Construct):
    """The one databricks_workspace_conf (hardening keys and enableIpAccessLists) and the IP
    allow list; nothing when neither is configured.

    `conf` and `allow` are the resources (None when not created)."""

    def __init__(self, scope: Construct, id_: str, *, props: WorkspaceConfProps):
        super().__init__(scope, id_)
        for cidr in props.ip_access_allow:
            problem = max_prefix_problem(cidr, 32)
            if problem:
                raise ValueError(f"ip_access_allow: {cidr!r} {problem}")
        unknown = sorted(k for k in props.conf if k not in HARDENING_KEYS)
        if unknown:
            raise ValueError(
                f"conf: {', '.join(unknown)}; allowed: {', '.join(sorted(HARDENING_KEYS))}"
            )
        config = dict(props.conf)
        if props.ip_access_allow:
            config["enableIpAccessLists"] = "true"
        self.conf: WorkspaceConf | None = None
        self.allow: IpAccessList | None = None
        if config:
            self.conf = WorkspaceConf(
                self,
                "conf",
                custom_config=dict(sorted(config.items())),
                depends_on=list(props.reachable_after) or None,
            )
        if props.ip_access_allow:
            # The API refuses a list that would block the caller (400 INVALID_STATE, "create ip
            # access list", Databricks REST API): a deploy cannot lock its deployer out.
            self.allow = IpAccessList(
                self,
                "allow",
                label=ALLOW_LIST_LABEL,
                list_type="ALLOW",
                ip_addresses=[*props.ip_access_allow, *(f"{a}/32" for a in props.egress_addresses)],
                depends_on=[self.conf] if self.conf else None,
            )
