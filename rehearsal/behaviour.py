"""What the rehearsal provider knows of a provider's behaviour, as the file it reads.

The plugin (rehearsal/schema_provider.py) runs in its own environment and imports nothing of
the project's; this module writes, per provider, the one JSON file it takes: the values of
rehearsal/mocks.py, the paths the provider forces new and its conditional replacements, and
the value checks it makes at plan (both from vocabulary/providers.py).
"""

from __future__ import annotations

import json
from typing import Any

from rehearsal import mocks
from vocabulary import providers


def behaviour(provider: str) -> dict[str, Any]:
    resources, data = mocks.TABLES[provider]
    return {
        "resources": resources,
        "data_sources": data,
        "provider_defaults": mocks.PROVIDER_DEFAULTS[provider],
        "reads": {
            data_type: {"resource": resource_type, "keys": list(keys)}
            for data_type, (resource_type, keys) in mocks.READS.items()
            if data_type.startswith(f"{provider}_")
        },
        "force_new": {t: list(providers.force_new(t)) for t in providers.resource_types(provider)},
        "conditional_replacements": {
            t: [r.as_rule() for r in rules]
            for t, rules in providers.CONDITIONAL_REPLACEMENTS.items()
            if t.startswith(f"{provider}_")
        },
        "framework": sorted(
            t for t in providers.FRAMEWORK_RESOURCES if t.startswith(f"{provider}_")
        ),
        "checks": {
            t: [check.as_rule() for check in checks]
            for t, checks in providers.VALUE_CHECKS.items()
            if t.startswith(f"{provider}_")
        },
    }


def behaviour_json(provider: str) -> str:
    return json.dumps(behaviour(provider), sort_keys=True)
