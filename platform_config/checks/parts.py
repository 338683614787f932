"""The same checks on the parts of a config that parse on their own: used when the file as a
whole does not parse, so that one run reports every problem."""

from __future__ import annotations

import ipaddress
from typing import Any

from pydantic import TypeAdapter, ValidationError

from platform_config.checks.environment import environment_issues, name_issues
from platform_config.checks.issues import Issue
from platform_config.checks.network import cidr_issues, network_issues
from platform_config.model import (
    Cidr,
    EnvironmentName,
    NameSuffix,
    Network,
    Prefix,
    Subnets,
)


def check_parts(raw: dict[str, Any], *, file_stem: str | None = None) -> list[Issue]:
    """The same rules on the parts of a config that parse on their own.

    Used when the file as a whole does not parse, so that one run reports every problem.
    """
    issues: list[Issue] = []
    environment = _parsed(EnvironmentName, raw.get("environment"))
    if environment is not None:
        issues += environment_issues(environment, file_stem)
    network = _parsed(Network, raw.get("network"))
    if network is not None:
        issues += network_issues(network)
    elif isinstance(raw.get("network"), dict):
        issues += cidr_issues(*_cidrs_that_parse(raw["network"]))
    prefix = _parsed(Prefix, raw.get("prefix"))
    suffix = _parsed(NameSuffix, raw.get("name_suffix", ""))
    if None not in (environment, prefix, suffix):
        issues += name_issues(prefix, environment, suffix)
    return issues


def _cidrs_that_parse(
    network: dict[str, Any],
) -> tuple[dict[int, ipaddress.IPv4Network], dict[str, ipaddress.IPv4Network]]:
    spaces = network.get("address_space")
    subnets = network.get("subnets")
    parsed_spaces = {
        i: ipaddress.IPv4Network(value)
        for i, value in enumerate(spaces if isinstance(spaces, list) else [])
        if _parsed(Cidr, value) is not None
    }
    subnets = subnets if isinstance(subnets, dict) else {}
    parsed_subnets = {
        name: ipaddress.IPv4Network(subnets[name])
        for name in Subnets.model_fields  # the model's order, as when the file parses
        if _parsed(Cidr, subnets.get(name)) is not None
    }
    return parsed_spaces, parsed_subnets


def _parsed(annotation: Any, value: Any) -> Any:
    try:
        return TypeAdapter(annotation).validate_python(value)
    except ValidationError:
        return None
