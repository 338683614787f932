"""The seams, checked on the source: stacks read contracts, not each other; one id parser."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STACK_MODULES = sorted(p for p in (ROOT / "stacks").glob("*.py") if p.stem not in ("__init__",))
SHARED = {"stacks.base", "stacks.providers", "stacks.contract"}


def runtime_imports(path: Path) -> set[str]:
    """Modules a file imports when it runs (imports under `if TYPE_CHECKING:` are left out)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            typing_only |= {id(child) for child in ast.walk(node)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


@pytest.mark.parametrize("path", STACK_MODULES, ids=lambda p: p.name)
def test_a_stack_module_never_imports_another_stack(path):
    own = f"stacks.{path.stem}"
    siblings = {f"stacks.{p.stem}" for p in STACK_MODULES} - SHARED - {own}
    imported = {m for m in runtime_imports(path) if m.startswith("stacks")}
    assert not imported & siblings, f"{path.name} imports {sorted(imported & siblings)}"


def test_only_the_vocabulary_parses_resource_ids():
    """Azure resource ids are parsed in one place (vocabulary.azure: ResourceId,
    parse_resource_id): a split or rsplit on "/" elsewhere is a second parser."""
    splitting = re.compile(r"""\.(r?split|rpartition)\(\s*["']/["']""")
    offenders = []
    for folder in ("components", "stacks", "platform_config", "policy", "vocabulary", "tooling"):
        for path in (ROOT / folder).rglob("*.py"):
            if path == ROOT / "vocabulary" / "azure.py":
                continue
            if splitting.search(path.read_text()):
                offenders.append(path.relative_to(ROOT))
    assert not offenders, f"parse ids with azure.parse_resource_id: {offenders}"


def test_stacks_publish_frozen_value_contracts():
    """Contracts hold values (strings, read-only maps of strings or of contracts, nested
    contracts), no constructs."""
    import collections.abc
    import dataclasses
    import importlib
    import typing

    def check(cls) -> int:
        assert isinstance(cls, type) and dataclasses.is_dataclass(cls), cls
        assert cls.__dataclass_params__.frozen, cls  # type: ignore[attr-defined]
        count = 0
        for name, hint in typing.get_type_hints(cls).items():
            if dataclasses.is_dataclass(hint):
                count += check(hint)
            elif typing.get_origin(hint) is collections.abc.Mapping:
                key, value = typing.get_args(hint)
                assert key is str, (cls, name)
                if dataclasses.is_dataclass(value):
                    count += check(value)
                else:
                    assert value is str, (cls, name)
                    count += 1
            else:
                assert hint in (str, str | None), f"{cls.__name__}.{name} is {hint}, not a value"
                count += 1
        return count

    # Every stack module's contracts: a new stack's are checked without an edit here.
    checked = []
    for path in STACK_MODULES:
        module = importlib.import_module(f"stacks.{path.stem}")
        contracts = [
            value
            for name, value in vars(module).items()
            if name.endswith("Outputs") and getattr(value, "__module__", "") == module.__name__
        ]
        if path.stem in {"base", "providers", "contract"}:
            assert not contracts, path.name
            continue
        assert contracts, f"{path.name} publishes no <Name>Outputs contract"
        checked += [check(contract) for contract in contracts]
    assert len(checked) >= 7 and all(count >= 1 for count in checked)


def test_dns_zone_purposes_agree_with_the_one_vocabulary():
    import dataclasses

    from platform_config.model import PrivateDnsZoneIds as ConfigZones
    from stacks.network import PrivateDnsZoneIds as ContractZones
    from vocabulary.azure import ALL_DNS_ZONES

    assert list(ConfigZones.model_fields) == list(ALL_DNS_ZONES)
    assert [f.name for f in dataclasses.fields(ContractZones)] == list(ALL_DNS_ZONES)


def test_lake_containers_are_the_layers_plus_unity_catalog():
    from lakehouse import layers
    from platform_config.data_contract import LAKE_CONTAINERS, UNITY_CATALOG_CONTAINER

    assert (layers.LANDING, *layers.LAYERS, UNITY_CATALOG_CONTAINER) == LAKE_CONTAINERS


def test_dbt_project_uses_the_lakes_layer_names():
    import yaml

    from lakehouse import layers

    project = yaml.safe_load((ROOT / "dbt" / "dbt_project.yml").read_text())
    assert project["vars"]["silver_schema"] == layers.SILVER
    profiles = yaml.safe_load((ROOT / "dbt" / "profiles.yml").read_text())
    outputs = profiles["mini_data_platform"]["outputs"]
    assert outputs["local"]["schema"] == layers.GOLD
    for target in ("databricks", "databricks_oauth"):
        assert f"env_var('DBT_SCHEMA', '{layers.GOLD}')" in outputs[target]["schema"]


PROJECT_PACKAGES = ("components", "stacks", "platform_config", "policy", "datafactory", "localrun")


def test_data_factory_code_lives_in_datafactory_and_synthesis_loads_no_engine():
    """platform_config/ is configuration only; the engine is for tests, dry runs and the demo."""
    engine = {"datafactory.engine", "datafactory.runner", "datafactory.dry_run"}
    for folder in ("components", "stacks", "platform_config", "policy"):
        for path in (ROOT / folder).glob("*.py"):
            imported = runtime_imports(path)
            assert not imported & engine, f"{path.relative_to(ROOT)} loads the engine"
            assert not any(m.startswith("data_factory_testing_framework") for m in imported)
    assert not list((ROOT / "platform_config").glob("adf*.py"))
    for path in (
        ROOT / "main.py",
        ROOT / "datafactory/artifacts.py",
        ROOT / "datafactory/copy_pipeline.py",
    ):
        assert not runtime_imports(path) & engine, f"{path.name}: make synth would load .NET"


# Data Factory's own functions, by their names and their snake_case spellings: the project
# evaluates them with Microsoft's engine and implements none.
ADF_FUNCTIONS = ("formatDateTime", "addDays", "addHours", "utcNow", "startOfDay", "toLower")


def test_no_module_implements_data_factory_functions():
    names = {n.lower() for n in ADF_FUNCTIONS}
    names |= {"".join(f"_{c.lower()}" if c.isupper() else c for c in n) for n in ADF_FUNCTIONS}
    offenders = []
    for folder in PROJECT_PACKAGES:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (
                    node.name.lower().lstrip("_") in names or node.name.lstrip("_") in names
                ):
                    offenders.append(f"{path.relative_to(ROOT)}: {node.name}")
    assert not offenders


def _imports(path) -> set[str]:
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found - {"__future__"}


@pytest.mark.parametrize(
    "module",
    [
        # The vocabulary is a leaf: every layer may import it.
        *("vocabulary.azure", "vocabulary.databricks"),
        # What the workflows' Terraform jobs run with a bare Python (no project environment).
        *("tooling.run_stacks", "tooling.stack_order", "tooling.plan_summary"),
        *("tooling.approve_endpoints", "tooling.synthesized"),
    ],
)
def test_leaf_and_ci_modules_import_only_the_standard_library(module):
    import sys

    seen, todo = set(), [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = ROOT / (name.replace(".", "/") + ".py")
        for imported in _imports(path):
            if imported in sys.stdlib_module_names:
                continue
            assert imported in ("tooling", "vocabulary"), f"{name} imports {imported}"
            if module.startswith("vocabulary"):
                assert imported == "vocabulary", f"{name}: the vocabulary imports {imported}"
        text = path.read_text()
        todo += re.findall(r"^from ((?:tooling|vocabulary)\.[a-z_]+) import", text, re.M)


def test_components_take_no_configuration_model():
    """Constructs get plain props: they import the vocabulary, never platform_config (which
    would load the configuration model and pydantic with every construct)."""
    offenders = {
        path.name: sorted(_imports(path) & {"platform_config", "pydantic", "stacks"})
        for path in (ROOT / "components").glob("*.py")
    }
    assert not {name: found for name, found in offenders.items() if found}
