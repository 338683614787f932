"""Accepting a policy-scan (checkov) finding in code, next to the resource that causes it.

Checkov's terraform_json runner reads no inline suppressions, so the project keeps its own:
`accept_finding(resource, "CKV_AZURE_XX", "why")` records the acceptance where it is declared, and
`write_exceptions(app)` writes every acceptance with its stack and Terraform address to
`cdktf.out/policy-exceptions.json` after synthesis; the scan fails on any failed check that is
not in it. Prefer fixing a finding to accepting it.
"""

from __future__ import annotations

import json
import re
import weakref
from dataclasses import asdict, dataclass
from pathlib import Path

from cdktf import App, TerraformResource, TerraformStack
from constructs import IConstruct

EXCEPTIONS_FILE = "policy-exceptions.json"
"""Written beside stacks/ in the synth output folder."""

# Acceptances per app, recorded in Python where they are declared: collecting them reads only
# the accepted resources across the jsii bridge, not every node of the app (a walk of all
# nodes' metadata cost about a tenth of a synthesis).
_ACCEPTED: weakref.WeakKeyDictionary[IConstruct, list[tuple[TerraformResource, str, str]]] = (
    weakref.WeakKeyDictionary()
)
_CHECK_ID = re.compile(r"^CKV2?_[A-Z0-9]+_\d+$")


@dataclass(frozen=True, order=True)
class AcceptedFinding:
    stack: str
    resource: str  # Terraform address, e.g. azurerm_storage_account.lake_account_1A2B3C4D
    check_id: str
    reason: str


def accept_finding(resource: TerraformResource, check_id: str, reason: str) -> None:
    """Accept checkov's `check_id` on `resource`; `reason` says why it is right here."""
    if not _CHECK_ID.match(check_id):
        raise ValueError(
            f"check_id {check_id!r} is not a checkov check id (e.g. CKV_AZURE_35, CKV2_AZURE_1)"
        )
    if len(reason.strip()) < 10:
        raise ValueError(
            f"accepting {check_id} needs a reason a reviewer can judge; got {reason!r}"
        )
    _ACCEPTED.setdefault(resource.node.root, []).append((resource, check_id, reason.strip()))


def collect_accepted_findings(app: App) -> list[AcceptedFinding]:
    found: list[AcceptedFinding] = []
    for resource, check_id, reason in _ACCEPTED.get(app, []):
        stack = TerraformStack.of(resource)
        address = f"{resource.terraform_resource_type}.{stack.get_logical_id(resource)}"
        found.append(AcceptedFinding(stack.node.id, address, check_id, reason))
    return sorted(found)


def as_json_ready(findings: list[AcceptedFinding]) -> list[dict[str, str]]:
    return [asdict(f) for f in findings]


def write_exceptions(app: App) -> Path:
    """Writes every acceptance of a synthesized app to <outdir>/policy-exceptions.json."""
    path = Path(app.outdir) / EXCEPTIONS_FILE
    findings = as_json_ready(collect_accepted_findings(app))
    path.write_text(json.dumps(findings, indent=2) + "\n", encoding="utf-8")
    return path
