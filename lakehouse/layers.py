"""The lake's layers: one name each, used by the lake's containers, the Unity Catalog schemas,
the notebooks' defaults, the local run and (checked by a test) the dbt project.

`landing` is where the copy pipeline writes files as they come from the source; the layers are
where tables live: bronze (external tables over landing), silver (typed, de-duplicated managed
tables) and gold (dbt's marts).
"""

from __future__ import annotations

LANDING = "landing"
BRONZE = "bronze"
SILVER = "silver"
GOLD = "gold"
LAYERS: tuple[str, ...] = (BRONZE, SILVER, GOLD)
