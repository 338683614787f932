"""Where a construct's resources go and how they are tagged: one prop instead of three."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, kw_only=True)
class Placement:
    resource_group_name: str
    location: str
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags of every resource the construct creates. Default: none (stacks pass the
    environment's merged tags: the config's plus the platform's)."""

    def tag_map(self) -> dict[str, str]:
        """The tags as the plain dict the provider classes take."""
        return dict(self.tags)
