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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from platform_config.checks.issues import FIND_AZURE_DATABRICKS
from platform_config.loader import load_environment
from platform_config.model import AzurermState, PlatformConfig

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


def placeholders(config: PlatformConfig, file: str) -> list[str]:
    """One line per placeholder id or example user the file still holds, naming the field and
    where to find the real value."""
    found: list[str] = []

    def guid(path: str, value: object, where: str) -> None:
        if is_placeholder(value):
            found.append(f"{file}: {path} = {value}: a placeholder; {where}")

    guid(
        "subscription_id",
        config.subscription_id,
        "set your subscription (`az account show --query id -o tsv`)",
    )
    guid(
        "databricks.account_id",
        str(config.databricks.account_id),
        "set your Databricks account id (account console, top right)",
    )
    guid(
        "databricks.azure_databricks_object_id",
        config.azure_databricks_object_id,
        f"set your tenant's AzureDatabricks object id ({FIND_AZURE_DATABRICKS})",
    )
    if isinstance(config.state, AzurermState):
        guid(
            "state.subscription_id",
            config.state.subscription_id,
            "set the state storage account's subscription",
        )
    uc = config.unity_catalog
    for i, principal in enumerate(uc.service_principals):
        guid(
            f"unity_catalog.service_principals[{i}].application_id",
            str(principal.application_id),
            f"set {principal.name}'s client id (`az ad sp list --display-name {principal.name} "
            "--query [].appId -o tsv`)",
        )
    for i, user in enumerate(uc.users):
        if user.user_name.lower().rsplit("@", 1)[-1] in EXAMPLE_DOMAINS:
            found.append(
                f"{file}: unity_catalog.users[{i}].user_name = {user.user_name}: a placeholder; "
                "set your Entra user name (`az ad signed-in-user show --query "
                "userPrincipalName -o tsv`)"
                + (" and unity_catalog.deployer with it" if uc.deployer == user.user_name else "")
            )
    return found


Runner = Callable[..., Any]


def missing_resource_group(
    config: PlatformConfig, file: str, run: Runner = subprocess.run
) -> str | None:
    """A line when the Azure CLI answers that the resource group does not exist; None when it
    exists or the CLI cannot tell (not installed, not logged in: the first stack then says)."""
    az = shutil.which("az")
    if az is None:
        return None
    try:
        answer = run(
            [
                az,
                "group",
                "exists",
                "--name",
                config.resource_group,
                "--subscription",
                config.subscription_id,
                "--output",
                "tsv",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
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


def check(environment: str) -> None:
    """Raises ValueError listing every problem of the environment's file; nothing when there is
    no such file (an account scope) or nothing to say."""
    path = config_file(environment)
    if not path.is_file():
        return
    config = load_environment(path)
    problems = placeholders(config, str(path))
    if not problems:
        missing = missing_resource_group(config, str(path))
        problems += [missing] if missing else []
    if problems:
        raise ValueError(
            'before a first deploy (README, "Before your first sandbox deploy"):\n  '
            + "\n  ".join(problems)
        )
