"""The policy scan: checkov on synthesized stacks, held against the findings accepted in code.

    python -m policy cdktf.out      (or `make policy` after `make synth`)

Checkov's terraform_json runner reads no inline suppressions, so acceptances are declared next
to their resources with `policy.accept_finding` and written after synthesis to
`cdktf.out/policy-exceptions.json`. The scan fails on a failed check that is not accepted there,
and on an acceptance that no longer matches a failure (so stale reasons do not pile up).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policy.acceptances import EXCEPTIONS_FILE


@dataclass(frozen=True, order=True)
class Finding:
    stack: str
    resource: str
    """Terraform address, e.g. azurerm_storage_account.lake_account_92054329."""
    check_id: str


@dataclass
class ScanResult:
    passed: int
    skipped: int
    failed: list[Finding]
    parsing_errors: int
    accepted: list[Finding]
    scanned_stacks: set[str] = field(default_factory=set)
    """Stacks with at least one check result: proof that checkov read them."""
    unaccepted: list[Finding] = field(default_factory=list)
    stale: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.unaccepted and not self.stale and not self.parsing_errors

    def summary(self) -> str:
        lines = [
            f"checkov: {self.passed} passed, {len(self.failed)} failed "
            f"({len(self.failed) - len(self.unaccepted)} accepted in code), "
            f"{self.skipped} skipped, "
            f"{self.parsing_errors} parsing errors"
        ]
        lines += [f"  NOT ACCEPTED {f.check_id} {f.stack} {f.resource}" for f in self.unaccepted]
        lines += [
            f"  STALE ACCEPTANCE {f.check_id} {f.stack} {f.resource}: the check passes now; "
            "remove its accept_finding"
            for f in self.stale
        ]
        return "\n".join(lines)


def run_checkov(stacks_dir: Path) -> dict[str, Any]:
    """Checkov's JSON report for every stack under stacks_dir (offline)."""
    checkov = Path(sys.executable).with_name("checkov")
    # No platform mapping download: the scan runs offline.
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE"}
    proc = subprocess.run(
        [
            str(checkov),
            "--framework",
            "terraform_json",
            "--directory",
            str(stacks_dir),
            "--output",
            "json",
            "--compact",
            "--skip-download",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    # Exit code 1 means "some check failed"; anything else without a report is a real error.
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(
            f"checkov exited {proc.returncode} without a JSON report:\n{proc.stderr[-2000:]}"
        ) from None
    if isinstance(report, list):  # one entry per framework
        (report,) = [r for r in report if r.get("check_type") == "terraform_json"]
    if "results" not in report:  # checkov prints a bare summary when it found no resources
        raise RuntimeError(f"checkov found nothing to scan in {stacks_dir}: {report}")
    return dict(report)


def failed_findings(report: dict[str, Any], stacks_dir: Path) -> list[Finding]:
    """Checkov's failed checks as (stack, Terraform address, check id).

    Checkov names resources inconsistently in terraform_json ("resource.<id>" for resource
    checks, "<type>.<id>" for graph checks); the logical id is unique within a stack, so the
    type is read back from the stack's own JSON.
    """
    findings: set[Finding] = set()
    types_by_stack: dict[str, dict[str, str]] = {}
    for check in report["results"]["failed_checks"]:
        stack = Path(check["file_path"]).parent.name
        if stack not in types_by_stack:
            types_by_stack[stack] = _resource_types(stacks_dir / stack / "cdk.tf.json")
        logical_id = check["resource"].rsplit(".", 1)[-1]
        resource_type = types_by_stack[stack].get(logical_id, "unknown")
        findings.add(Finding(stack, f"{resource_type}.{logical_id}", check["check_id"]))
    return sorted(findings)


def _resource_types(path: Path) -> dict[str, str]:
    tf = json.loads(path.read_text(encoding="utf-8"))
    return {
        logical_id: resource_type
        for resource_type, items in tf.get("resource", {}).items()
        for logical_id in items
    }


def load_accepted(outdir: Path) -> list[Finding]:
    path = outdir / EXCEPTIONS_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `make synth` (main.py writes it)")
    return sorted(
        Finding(e["stack"], e["resource"], e["check_id"])
        for e in json.loads(path.read_text(encoding="utf-8"))
    )


def compare(failed: list[Finding], accepted: list[Finding]) -> tuple[list[Finding], list[Finding]]:
    """(failures nobody accepted, acceptances that match no failure)."""
    failed_set, accepted_set = set(failed), set(accepted)
    return sorted(failed_set - accepted_set), sorted(accepted_set - failed_set)


# Top-level blocks that move state between addresses or states rather than declare resources;
# checkov's terraform_json runner does not know them and reports the file as unparsable.
STATE_BLOCKS = ("removed", "moved", "import")


def scannable_copy(stacks_dir: Path, target: Path) -> Path:
    """stacks_dir's stacks under target, without their STATE_BLOCKS (resources unchanged)."""
    for path in sorted(stacks_dir.glob("*/cdk.tf.json")):
        body = json.loads(path.read_text(encoding="utf-8"))
        (target / path.parent.name).mkdir(parents=True)
        kept = {key: value for key, value in body.items() if key not in STATE_BLOCKS}
        (target / path.parent.name / path.name).write_text(json.dumps(kept), encoding="utf-8")
    return target


def scan(outdir: Path) -> ScanResult:
    """Scan cdktf.out (the folder holding stacks/ and policy-exceptions.json)."""
    with tempfile.TemporaryDirectory(prefix="mdp-policy-") as tmp:
        stacks_dir = scannable_copy(outdir / "stacks", Path(tmp) / "stacks")
        report = run_checkov(stacks_dir)
        failed = failed_findings(report, stacks_dir)
    accepted = load_accepted(outdir)
    unaccepted, stale = compare(failed, accepted)
    summary = report["summary"]
    return ScanResult(
        passed=summary["passed"],
        skipped=summary["skipped"],
        failed=failed,
        parsing_errors=summary["parsing_errors"],
        accepted=accepted,
        scanned_stacks={
            Path(check["file_path"]).parent.name
            for kind in ("passed_checks", "failed_checks")
            for check in report["results"][kind]
        },
        unaccepted=unaccepted,
        stale=stale,
    )


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m policy <cdktf.out>", file=sys.stderr)
        return 2
    outdir = Path(argv[0])
    if not (outdir / "stacks").is_dir():
        print(f"error: {outdir}/stacks does not exist; run `make synth` first", file=sys.stderr)
        return 2
    # HCL (cdk.tf) without JSON, or beside JSON an earlier synthesis left: not what to scan.
    not_json = sorted(
        p.name
        for p in (outdir / "stacks").iterdir()
        if p.is_dir() and (not (p / "cdk.tf.json").is_file() or (p / "cdk.tf").is_file())
    )
    if not_json:
        print(
            f"error: {len(not_json)} stack folder(s) of {outdir}/stacks hold HCL (cdk.tf) or no "
            f"cdk.tf.json ({', '.join(not_json[:3])}{', ...' if len(not_json) > 3 else ''}; "
            "`cdktf synth --hcl` into it?): the scan reads the JSON synthesis alone; run "
            "`make synth` "
            "(`make synth-hcl` writes to cdktf.out.hcl)",
            file=sys.stderr,
        )
        return 2
    result = scan(outdir)
    print(result.summary())
    return 0 if result.ok else 1
