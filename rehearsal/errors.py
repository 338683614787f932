"""The error of a rehearsal that could not be set up (its own module: every part raises it)."""

from __future__ import annotations


class RehearsalError(RuntimeError):
    """A rehearsal could not be set up (not: a rehearsal that found a problem)."""
