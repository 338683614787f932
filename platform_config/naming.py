"""One place that derives every Azure name: prefix + environment + purpose, CAF abbreviations.

`Naming(prefix="mdp", environment="dev").name("kv", "dbx")` -> ``kv-mdp-dev-dbx``.
Storage accounts take no hyphens: ``st`` + prefix + environment + purpose + suffix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from platform_config import azure_rules

# Cloud Adoption Framework abbreviations, with each resource type's own name rules.
# (max length, allowed characters, hyphen separated)
_RULES: dict[str, tuple[int, str, bool]] = {
    "rg": (90, r"[a-zA-Z0-9._()-]", True),
    "vnet": (64, r"[a-zA-Z0-9._-]", True),
    "snet": (80, r"[a-zA-Z0-9._-]", True),
    "nsg": (80, r"[a-zA-Z0-9._-]", True),
    "st": (24, r"[a-z0-9]", False),
    "kv": (24, r"[a-zA-Z0-9-]", True),
    "dbw": (64, r"[a-zA-Z0-9_-]", True),
    "dbac": (64, r"[a-zA-Z0-9_-]", True),
    "adf": (63, r"[a-zA-Z0-9-]", True),
    "pview": (63, r"[a-zA-Z0-9-]", True),
    "log": (63, r"[a-zA-Z0-9-]", True),
    "pep": (80, r"[a-zA-Z0-9._-]", True),
    "ng": (80, r"[a-zA-Z0-9._-]", True),
    "pip": (80, r"[a-zA-Z0-9._-]", True),
    "id": (128, r"[a-zA-Z0-9_-]", True),
    "cmk": (127, r"[a-zA-Z0-9-]", True),  # a Key Vault key
}
ABBREVIATIONS: tuple[str, ...] = tuple(_RULES)
# Unity Catalog securables outside any catalog ("Names", Databricks docs: no period, space or
# slash; at most 255 characters).
_UC_SECURABLE_RULE: tuple[int, str] = (255, r"[a-zA-Z0-9_-]")
_MIN_LENGTH = {"adf": 3, "log": 4, "pview": 3}
# Globally unique names have Azure rules of their own, shared with the config's validation.
_GLOBAL_NAME_RULES = {
    "st": azure_rules.storage_account_name_problem,
    "kv": azure_rules.key_vault_name_problem,
}


class NamingError(ValueError):
    """A derived name breaks its resource type's rules."""


@dataclass(frozen=True, kw_only=True)
class Naming:
    """Derives names for one environment.

    prefix: the workload's short name (lowercase letters and digits).
    environment: the environment's name (lowercase letters and digits).
    suffix: appended to globally unique names (storage accounts, Key Vaults).
        Default: none.
    """

    prefix: str
    environment: str
    suffix: str = ""

    def name(self, abbreviation: str, purpose: str = "", *, unique: bool = False) -> str:
        """The name of a resource of type `abbreviation` serving `purpose`.

        unique: add the suffix (storage accounts and Key Vaults are global names).
        """
        if abbreviation not in _RULES:
            raise NamingError(
                f"unknown resource abbreviation {abbreviation!r}; "
                f"allowed: {', '.join(ABBREVIATIONS)}"
            )
        max_length, allowed, hyphens = _RULES[abbreviation]
        parts = [abbreviation, self.prefix, self.environment, purpose]
        if unique or abbreviation == "st":
            parts.append(self.suffix)
        parts = [p for p in parts if p]
        name = "-".join(parts) if hyphens else "".join(parts).replace("-", "")
        self._check(abbreviation, name, max_length, allowed)
        return name

    def storage_account(self, purpose: str) -> str:
        return self.name("st", purpose)

    def key_vault(self, purpose: str) -> str:
        return self.name("kv", purpose, unique=True)

    def key(self, purpose: str) -> str:
        """cmk-<prefix>-<env>-<purpose>: a customer-managed key in the platform's vault."""
        return self.name("cmk", purpose)

    def catalog_securable(self, purpose: str) -> str:
        """<prefix>-<env>-<purpose>: a Unity Catalog storage credential or external location.

        These live in the account's metastore, which environments may share, so the environment
        is part of the name. Databricks allows letters, digits, hyphens and underscores here
        (no periods, spaces or slashes), up to 255 characters.
        """
        name = "-".join(p for p in (self.prefix, self.environment, purpose) if p)
        self._check("uc", name, *_UC_SECURABLE_RULE)
        return name

    def private_endpoint(self, target: str, subresource: str) -> str:
        """pep-<prefix>-<env>-<target>-<subresource>, e.g. pep-mdp-dev-lake-dfs."""
        return self.name("pep", f"{target}-{subresource}")

    @staticmethod
    def _check(abbreviation: str, name: str, max_length: int, allowed: str) -> None:
        hint = ": shorten 'prefix', 'environment' or 'name_suffix'"
        global_rule = _GLOBAL_NAME_RULES.get(abbreviation)
        if global_rule is not None:
            problem = global_rule(name, hint=hint)
            if problem:
                raise NamingError(f"{abbreviation} name: {problem} (it is {len(name)} characters)")
            return
        min_length = _MIN_LENGTH.get(abbreviation, 1)
        if not min_length <= len(name) <= max_length:
            raise NamingError(
                f"{abbreviation} name {name!r} is {len(name)} characters; allowed "
                f"{min_length}-{max_length}{hint}"
            )
        bad = sorted(set(re.sub(allowed, "", name)))
        if bad:
            raise NamingError(
                f"{abbreviation} name {name!r} contains {''.join(bad)!r}; allowed characters "
                f"match {allowed}"
            )
