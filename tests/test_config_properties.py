"""Property: any edit of a shipped config is either accepted or refused with a ConfigError whose
every problem names the file and the field, never a traceback.

Hypothesis takes a shipped environment file (or the account scope's file), picks any field in it
(any depth, list items included) and replaces its value with a generated one, deletes it, or
adds an unknown field beside it; the edited file joins copies of the other shipped files in a
fresh config folder, which `load_environments` reads as `main.py --check` does (so the rules
across files run too).
"""

from __future__ import annotations

import copy
import os
import re
import shutil
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from platform_config import ConfigError, PlatformConfig, load_environments
from platform_config.loader import ACCOUNTS_DIR
from tests.conftest import CONFIG_DIR

_FILES = sorted(
    [*CONFIG_DIR.glob("*.yaml"), *(CONFIG_DIR / ACCOUNTS_DIR).glob("*.yaml")],
    key=lambda p: p.relative_to(CONFIG_DIR).as_posix(),
)
_RAW = {p.relative_to(CONFIG_DIR).as_posix(): yaml.safe_load(p.read_text()) for p in _FILES}

Path_ = tuple[str | int, ...]


def _paths(node: Any, prefix: Path_ = ()) -> list[Path_]:
    """Every field and list item of a YAML tree, parents before children."""
    found: list[Path_] = []
    items: list[tuple[str | int, Any]] = []
    if isinstance(node, dict):
        items = list(node.items())
    elif isinstance(node, list):
        items = list(enumerate(node))
    for key, value in items:
        found.append((*prefix, key))
        found += _paths(value, (*prefix, key))
    return found


_PATHS = {name: _paths(raw) for name, raw in _RAW.items()}

# Values a person could type in YAML: scalars of every kind (names, ids, CIDRs, cron and template
# markers among the texts), lists and mappings of them.
_TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            "/",
            "..",
            "${ENV}",
            "<subscription-id>",
            "10.0.0.0/24",
            "10.0.0.0/33",
            "0 0 25 * * ?",
            "Mars/Olympus",
            "not-an-email",
            "http://example.com/x.git",
            "00000000-0000-0000-0000-000000000000",
            "/subscriptions/x/resourceGroups/y",
            "dev",
            "prod",
            "mdp",
        ]
    ),
)
_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False),
    _TEXT,
)
_VALUE = st.recursive(
    _SCALAR,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.text(min_size=1, max_size=8), children, max_size=3),
    ),
    max_leaves=6,
)


# A field as the loader names it: dotted names, [index] and ['quoted key'] segments.
_SEGMENT = r"""(\.[A-Za-z_][\w-]*|\[\d+\]|\[('.*?'|".*?")\])"""
_FIELD = rf"(\(top level\)|([A-Za-z_][\w-]*|\[\d+\]|\[('.*?'|\".*?\")\]){_SEGMENT}*)"


@st.composite
def _edits(draw: st.DrawFn) -> tuple[str, Path_, str, Any]:
    name = draw(st.sampled_from(sorted(_RAW)))
    path = draw(st.sampled_from(_PATHS[name]))
    kind = draw(st.sampled_from(["replace", "delete", "add unknown field"]))
    return name, path, kind, draw(_VALUE)


def _edit(raw: Any, path: Path_, kind: str, value: Any) -> Any:
    edited = copy.deepcopy(raw)
    parent = edited
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if kind == "replace":
        parent[last] = value
    elif kind == "delete":
        del parent[last]
    elif isinstance(parent, dict):
        parent["not_a_field_" + str(last)] = value
    else:
        parent.append(value)
    return edited


def _write_config_dir(root: Path, name: str, edited: Any) -> Path:
    config_dir = root / "config"
    if config_dir.exists():
        shutil.rmtree(config_dir)
    (config_dir / ACCOUNTS_DIR).mkdir(parents=True)
    for other in _FILES:
        shutil.copy(other, config_dir / other.relative_to(CONFIG_DIR))
    (config_dir / name).write_text(yaml.safe_dump(edited, sort_keys=False))
    return config_dir


def test_every_shipped_file_has_fields_to_edit():
    assert _RAW, "no config/*.yaml"
    assert all(_PATHS[name] for name in _RAW), "a shipped file without fields"


@settings(
    max_examples=int(os.environ.get("MDP_CONFIG_EXAMPLES", "300")),
    # The same examples on every run, so the suite fails only on a change; MDP_CONFIG_EXAMPLES
    # and MDP_CONFIG_EXPLORE=1 (fresh random examples) search further by hand.
    derandomize=os.environ.get("MDP_CONFIG_EXPLORE") != "1",
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(edit=_edits())
def test_an_edited_config_is_accepted_or_refused_naming_file_and_field(tmp_path, edit):
    name, path, kind, value = edit
    config_dir = _write_config_dir(tmp_path, name, _edit(_RAW[name], path, kind, value))
    files = "|".join(re.escape(str(p)) for p in sorted(config_dir.rglob("*.yaml")))
    # "<file>: <field>[ = <value>]: <what is allowed>", or "<file>:<line>:<col>: invalid YAML".
    named = re.compile(rf"^({files})(: {_FIELD}( = .*)?: .+|:\d+:\d+: invalid YAML: .+)$", re.S)
    try:
        configs = load_environments(config_dir)
    except ConfigError as err:
        assert err.problems, "a ConfigError without a problem"
        unnamed = [p for p in err.problems if not named.match(p)]
        assert not unnamed, f"problems that name no file and field: {unnamed}"
    else:
        assert all(isinstance(c, PlatformConfig) for c in configs)
