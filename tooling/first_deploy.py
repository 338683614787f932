"""What a deploy needs that synthesis cannot see, checked before any stack runs (`make deploy`,
and CI's apply, through tooling.run_stacks): real ids where the shipped files hold placeholders,
and the resource group that IT provides (no stack creates it).

The shipped config files synthesize offline with placeholder ids; deployed, they would fail one
stack in, or, worse, act on whatever subscription those ids happen to name. A placeholder GUID is
one repeated digit (00000000-..., 11111111-...) or zeros but for its last four digits
(00000000-0000-0000-0000-0000000000d1); a placeholder user is at a domain RFC 2606 reserves
(example.com, example.org, example.net).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from platform_config.checks.issues import FIND_AZURE_DATABRICKS
from platform_config.loader import ConfigError, load_environment
from platform_config.model import PlatformConfig

ROOT = Path(__file__).resolve().parent.parent

_PLACEHOLDER = re.compile(
    r"^(?:([0-9a-f])\1{7}-\1{4}-\1{4}-\1{4}-\1{12}|00000000-0000-0000-0000-00000000[0-9a-f]{4})$",
    re.IGNORECASE,
)
EXAMPLE_DOMAINS = ("example.com", "example.org", "example.net")


def is_placeholder(value: object) -> bool:
    return isinstance(value, str) and bool(_PLACEHOLDER.match(value))


def config_file(environment: str) -> Path:
    """The environment's config file, as main.py reads it (MDP_CONFIG_DIR, else config/)."""
    return Path(os.environ.get("MDP_CONFIG_DIR") or ROOT / "config") / f"{environment}.yaml"


_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_WHERE = {
    "subscription_id": "your subscription (`az account show --query id -o tsv`)",
    "databricks.account_id": "your Databricks account id (account console, top right)",
    "account_id": "your Databricks account id (account console, top right)",
    "databricks.azure_databricks_object_id": f"your tenant's AzureDatabricks object id "
    f"({FIND_AZURE_DATABRICKS})",
}


def _example_user(value: str) -> bool:
    domain = value.lower().rsplit("@", 1)[-1] if "@" in value else ""
    return domain in EXAMPLE_DOMAINS or domain == "example" or domain.endswith(".example")


def _walk(node: Any, path: str) -> Any:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}[{i}]")
    elif isinstance(node, str):
        yield path, node


def placeholders(data: Any, file: str) -> list[str]:
    """One line per value of a config file (its YAML, every field) that holds a placeholder id,
    alone or inside a resource id, or a user at an example domain; each names the field."""
    found: list[str] = []
    for path, value in _walk(data, ""):
        ids = [g for g in _GUID.findall(value) if is_placeholder(g)]
        if ids:
            where = _WHERE.get(path) or (
                "the client id of that Entra application"
                if path.endswith("application_id")
                else "the real id"
                + (" (the resource id of the real resource)" if value.startswith("/") else "")
            )
            found.append(f"{file}: {path} = {value}: a placeholder ({ids[0]}); set {where}")
        elif _example_user(value):
            found.append(
                f"{file}: {path} = {value}: a placeholder; set the real Entra user name "
                "(yours: `az ad signed-in-user show --query userPrincipalName -o tsv`)"
            )
    return found


Runner = Callable[..., Any]


def _az(run: Runner, *args: str) -> Any | None:
    """The Azure CLI's answer (a CompletedProcess), or None when there is no CLI or it did not
    answer in time: the checks then cannot tell, and the deploy's first stack says."""
    az = shutil.which("az")
    if az is None:
        return None
    try:
        return run([az, *args], capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None


def missing_resource_group(
    config: PlatformConfig, file: str, run: Runner = subprocess.run
) -> str | None:
    """A line when the Azure CLI answers that the resource group does not exist; None when it
    exists or the CLI cannot tell (not installed, not logged in: the first stack then says)."""
    answer = _az(
        run,
        "group",
        "exists",
        "--name",
        config.resource_group,
        "--subscription",
        config.subscription_id,
        "--output",
        "tsv",
    )
    if answer is None:
        return None
    if answer.returncode != 0 or answer.stdout.strip().lower() != "false":
        return None
    return (
        f"{file}: resource_group = {config.resource_group}: no such resource group in "
        f"subscription {config.subscription_id}, and no stack creates it (IT provides it, "
        'docs/deployment.md, "What IT provides"): ask IT for it, or for a sandbox `az group '
        f"create --name {config.resource_group} --location {config.location} --subscription "
        f"{config.subscription_id}`"
    )


def missing_webhook_secret(
    config: PlatformConfig, file: str, run: Runner = subprocess.run
) -> str | None:
    """A line when alerts.webhook_secret names a secret that the platform vault does not hold,
    or the vault does not exist yet (an environment's first deploy): the platform stack reads
    it. None when it exists, or the CLI cannot tell (not installed, not logged in, no network
    path to the private vault)."""
    alerts = config.alerts
    if alerts is None or alerts.webhook_secret is None:
        return None
    vault = config.naming.key_vault("plat")
    answer = _az(
        run,
        "keyvault",
        "secret",
        "show",
        "--vault-name",
        vault,
        "--name",
        alerts.webhook_secret,
        "--query",
        "id",
        "--output",
        "tsv",
    )
    if answer is None:
        return None
    said = f"{answer.stdout} {answer.stderr}"
    if answer.returncode == 0 or not any(
        marker in said for marker in ("SecretNotFound", "VaultNotFound", "was not found")
    ):
        return None
    return (
        f"{file}: alerts.webhook_secret = {alerts.webhook_secret}: the platform vault {vault} "
        "does not hold it (or does not exist yet), and the platform stack reads it: deploy "
        "without webhook_secret first, then write the secret (`az keyvault secret set "
        f"--vault-name {vault} --name {alerts.webhook_secret} --value <url>`) and set it "
        "(docs/operations.md)"
    )


def problems(scope: str) -> list[str]:
    """Every problem of the scope's file (config/<env>.yaml, or config/accounts/<account>.yaml
    for an account scope): placeholders first, then (an environment with none) a missing
    resource group. Nothing when neither file exists."""
    path = config_file(scope)
    account = path.parent / "accounts" / f"{scope}.yaml"
    if not path.is_file():
        if not account.is_file():
            return []
        return placeholders(yaml.safe_load(account.read_text(encoding="utf-8")), str(account))
    found = placeholders(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))
    if found:
        return found
    try:
        config = load_environment(path)
    except ConfigError as err:
        return list(err.problems)
    return [
        line
        for line in (
            missing_resource_group(config, str(path)),
            missing_webhook_secret(config, str(path)),
        )
        if line
    ]


def main(argv: list[str]) -> int:
    """`python -m tooling.first_deploy <outdir> <stack>`: the checks of a deploy, for one stack
    (./cdktf deploy): the IP access list's and its scope's file's."""
    from tooling.run_stacks import preflight

    outdir, stack = Path(argv[0]), argv[1]
    scope = stack.split("-", 1)[0]
    found = []
    if (outdir / "stacks" / stack / "cdk.tf.json").is_file():  # else the CLI names it unknown
        try:
            preflight(outdir, [stack], scope)
        except ValueError as err:
            found.append(str(err))
    found += problems(scope)
    if found:
        print(report(found), file=sys.stderr)
        return 1
    return 0


def report(found: list[str]) -> str:
    return (
        'not deployed, nothing changed; first (README, "Before your first sandbox deploy", '
        "for every environment):\n  " + "\n  ".join(found)
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
