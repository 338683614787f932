"""Developer and CI tooling around the app (not deployed, not part of synthesis)."""
