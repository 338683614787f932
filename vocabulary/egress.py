"""Where classic compute may send traffic: the one home of the egress allow list.

The sandbox's own Azure Firewall (components/egress.py) is built from it, the deployment rules
check a synthesized firewall against it (policy/rules/egress.py), docs/deployment.md's table of
what IT's firewall must allow is generated from it (`make docs`), and
`python -m tooling.egress config/<env>.yaml` prints one environment's list for IT. Serverless
compute's network policy takes the FQDN part (the package index and `network.allowed_fqdns`):
Databricks' own destinations are not on its path.

Each requirement cites the document it comes from. The service tags follow Databricks' security
reference architecture (databricks/terraform-databricks-sra, azure/tf/modules/hub/firewall.tf at
0cb00665: Storage, Sql and EventHub of the region, nothing else) and Microsoft's "User-defined
route settings for Azure Databricks", which adds AzureDatabricks for a workspace without
back-end Private Link. A leaf: it imports nothing of the project's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, get_args

UDR = (
    "Azure Databricks: User-defined route settings for Azure Databricks",
    "https://learn.microsoft.com/azure/databricks/security/network/classic/udr",
)
SRA = (
    "Databricks security reference architecture for Azure (terraform-databricks-sra, "
    "azure/tf/modules/hub/firewall.tf)",
    "https://github.com/databricks/terraform-databricks-sra/blob/0cb00665/azure/tf/modules/hub/firewall.tf",
)
PYPI = (
    "Python Packaging User Guide: the simple repository API (pypi.org serves the index, "
    "files.pythonhosted.org the files)",
    "https://packaging.python.org/specifications/simple-repository-api/",
)
SERVERLESS = (
    "Azure Databricks: What is serverless egress control?",
    "https://learn.microsoft.com/azure/databricks/security/network/serverless-network-security/network-policies",
)
MANAGE_POLICIES = (
    "Azure Databricks: Manage network policies for serverless egress control",
    "https://learn.microsoft.com/azure/databricks/security/network/serverless-network-security/manage-network-policies",
)

FirewallSkuTier = Literal["Basic", "Standard", "Premium"]
FIREWALL_SKU_TIERS: tuple[str, ...] = get_args(FirewallSkuTier)
FIREWALL_SUBNET_NAME = "AzureFirewallSubnet"
FIREWALL_MANAGEMENT_SUBNET_NAME = "AzureFirewallManagementSubnet"
"""Azure requires these exact names; Basic needs the management subnet (and its own IP)."""
FIREWALL_SUBNET_MAX_PREFIX = 26

IT_FIREWALL_LOCAL = "it_firewall_private_ip"
"""The Terraform local of the network stack holding network.it_firewall_private_ip (IT mode):
the next hop its check of IT's route table expects."""

PUBLIC_PYPI: tuple[str, ...] = ("pypi.org", "files.pythonhosted.org")
"""The public PyPI: the index and the host of its files."""

NETWORK_POLICY_MAX_DESTINATIONS = 2000
"""Serverless egress: at most 2000 destinations per policy, the implicit Unity Catalog ones
included (MANAGE_POLICIES)."""
NetworkPolicyEnforcement = Literal["enforced", "dry_run"]
ENFORCEMENT_MODES: dict[str, str] = {"enforced": "ENFORCED", "dry_run": "DRY_RUN"}
"""Config word -> the API's enforcement_mode (databricks-sdk-go v0.93.0, service/settings/
model.go:1985-1987, which provider 1.99.0 uses)."""
NETWORK_POLICY_ID = re.compile(r"[a-zA-Z0-9_.-]{1,32}")
"""The account network policy API's id pattern."""

_FQDN = re.compile(
    r"(\*\.)?(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]"
)


def fqdn_problem(value: str) -> str | None:
    if not _FQDN.fullmatch(value):
        return (
            "must be a lowercase host name such as api.example.com, or *.example.com for its "
            "subdomains (no scheme, port or path)"
        )
    return None


_REGION_WORDS = (
    "asia", "australia", "austria", "belgium", "brazil", "canada", "central", "chile", "denmark",
    "east", "europe", "france", "germany", "india", "indonesia", "israel", "italy", "japan",
    "jio", "korea", "malaysia", "mexico", "newzealand", "north", "norway", "poland", "qatar",
    "south", "southeast", "spain", "sweden", "switzerland", "taiwan", "uae", "uk", "us",
    "west", "africa",
)  # fmt: skip
_UPPER = {"us": "US", "uk": "UK", "uae": "UAE", "newzealand": "NewZealand"}


def service_tag_region(location: str) -> str:
    """A region's suffix in regional service tags (westeurope -> WestEurope, eastus2 -> EastUS2,
    uaenorth -> UAENorth), as Azure's service tag file names them."""
    words: list[str] = []
    rest = location
    while rest:
        if rest[0].isdigit():
            digits = re.match(r"\d+", rest)
            assert digits is not None
            words.append(digits[0])
            rest = rest[len(digits[0]) :]
            continue
        word = max((w for w in _REGION_WORDS if rest.startswith(w)), key=len, default=None)
        if word is None:
            raise ValueError(f"{location!r}: no service tag name known for {rest!r}")
        words.append(_UPPER.get(word, word.capitalize()))
        rest = rest[len(word) :]
    return "".join(words)


Kind = Literal["service_tag", "fqdn"]


@dataclass(frozen=True, kw_only=True)
class Requirement:
    """One destination classic compute needs, as the firewall allows it."""

    key: str
    """Its name in rules and rule collections (also the deployment rule's suffix)."""
    what: str
    kind: Kind
    destinations: tuple[str, ...]
    """Service tags (`{region}` is the region's tag suffix) or FQDNs."""
    ports: tuple[str, ...]
    why: str
    source: tuple[str, str]
    when: str = ""
    """In words, when it applies (empty: always)."""

    def resolved(self, location: str) -> tuple[str, ...]:
        region = service_tag_region(location)
        return tuple(d.replace("{region}", region) for d in self.destinations)

    def documented(self) -> tuple[str, ...]:
        return tuple(d.replace("{region}", "<Region>") for d in self.destinations)


CONTROL_PLANE = Requirement(
    key="control-plane",
    what="the control plane, secure cluster connectivity relay and web application",
    kind="service_tag",
    destinations=("AzureDatabricks",),
    ports=("443", "3306", "8443-8451"),
    why="clusters register with and are driven from the control plane (the ports of the "
    "network security group rules Databricks manages for a workspace with AllRules)",
    source=UDR,
    when="only for a workspace without back-end Private Link; a private one reaches the control "
    "plane through its ui_api private endpoint",
)
METASTORE = Requirement(
    key="metastore",
    what="the region's legacy Hive metastore",
    kind="service_tag",
    destinations=("Sql.{region}",),
    ports=("3306",),
    why="the runtime's default metastore client connects at cluster start",
    source=SRA,
)
ARTIFACTS = Requirement(
    key="artifact-storage",
    what="artifact, system table and log storage of the region",
    kind="service_tag",
    destinations=("Storage.{region}",),
    ports=("443",),
    why="runtime images and libraries come from it, cluster logs go to it",
    source=SRA,
)
EVENT_HUB = Requirement(
    key="event-hub",
    what="the region's logging Event Hub",
    kind="service_tag",
    destinations=("EventHub.{region}",),
    ports=("9093",),
    why="Databricks' own telemetry (Kafka protocol)",
    source=SRA,
)
PACKAGE_INDEX = Requirement(
    key="package-index",
    what="the package index the job installs dbt from",
    kind="fqdn",
    destinations=PUBLIC_PYPI,
    ports=("443",),
    why="the dbt task installs dbt-databricks and dbt-core on its job cluster at every run; "
    "with `workloads.job.pypi_index_url`, that index's host instead",
    source=PYPI,
)
REQUIREMENTS: tuple[Requirement, ...] = (CONTROL_PLANE, METASTORE, ARTIFACTS, EVENT_HUB)
"""Databricks' own destinations (network rules); the package index and the user's FQDNs are
application rules."""


@dataclass(frozen=True, kw_only=True)
class Allowed:
    """One environment's resolved allow list."""

    requirement: Requirement
    destinations: tuple[str, ...]


def allow_list(
    location: str,
    *,
    back_end_private_link: bool,
    package_index_host: str | None,
    allowed_fqdns: tuple[str, ...] = (),
) -> tuple[Allowed, ...]:
    """What an environment's classic compute may reach through the firewall, in order."""
    out = [
        Allowed(requirement=r, destinations=r.resolved(location))
        for r in REQUIREMENTS
        if not (r is CONTROL_PLANE and back_end_private_link)
    ]
    out.append(
        Allowed(
            requirement=PACKAGE_INDEX,
            destinations=(package_index_host,) if package_index_host else PUBLIC_PYPI,
        )
    )
    if allowed_fqdns:
        out.append(
            Allowed(
                requirement=Requirement(
                    key="allowed-fqdns",
                    what="the environment's own destinations (network.allowed_fqdns)",
                    kind="fqdn",
                    destinations=allowed_fqdns,
                    ports=("443",),
                    why="named in the configuration",
                    source=("config/<env>.yaml: network.allowed_fqdns", ""),
                ),
                destinations=allowed_fqdns,
            )
        )
    return tuple(out)


def internet_destinations(allowed: tuple[Allowed, ...]) -> tuple[str, ...]:
    """The FQDNs of an allow list that serverless compute's policy allows too (without the
    wildcards: a network policy's DNS_NAME destination is one host)."""
    return tuple(
        d
        for a in allowed
        if a.requirement.kind == "fqdn"
        for d in a.destinations
        if not d.startswith("*.")
    )


def documented_rows() -> list[tuple[str, str, str, str, str]]:
    """(what, destinations, ports, when and why, source link) for docs/deployment.md."""
    rows = []
    for r in (*REQUIREMENTS, PACKAGE_INDEX):
        kind = "service tag" if r.kind == "service_tag" else "FQDN, HTTPS"
        shown = ", ".join(f"`{d}`" for d in r.documented())
        reason = r.why + (f"; {r.when}" if r.when else "")
        rows.append(
            (
                r.what,
                f"{shown} ({kind})",
                ", ".join(r.ports),
                reason,
                f"[{r.source[0]}]({r.source[1]})",
            )
        )
    return rows
