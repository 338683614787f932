"""The rehearsal provider: a plugin that plans and applies as azurerm 4.55.0 and databricks 1.99.0
would, with nothing behind it.

    <plugin python> rehearsal/schema_provider.py serve <schema.pb> <behaviour.json>
    <plugin python> rehearsal/schema_provider.py convert <schemas.json[.gz]> <source> <schema.pb>

Terraform runs it as an ordinary provider (no `mock_provider`): it answers go-plugin's handshake
(the `tf` package's runner, mutual TLS on a Unix socket) and serves the provider's schema exactly
as `terraform providers schema -json` printed it (converted once, by `convert`). Where Terraform's
own mock providers differ from the real ones, it does what the real ones do (terraform-plugin-sdk
v2, which both providers are built on for the types the stacks use):

- Plan of a create: every computed attribute the configuration leaves null is unknown.
- Plan of an update: computed values keep what the state holds (the SDK marks nothing unknown on
  update), except in a nested block that the update adds, whose computed attributes are unknown.
  Terraform's mock plans both as null, so a grant reading an identity the update adds saw null
  where Azure plans "known after apply".
- Replacement: a changed `force_new` path (from the providers' schema objects) or a conditional
  replacement of a type's CustomizeDiff comes back as `requires_replace`, so Terraform plans a
  replacement and refuses it for a `prevent_destroy` resource, as it would with Azure.
- Apply: unknown values become the values the behaviour file gives for that resource's
  configuration (`rehearsal/mocks.py`: ARM ids built from the resource's own name, an identity
  only where the configuration asks for one); after an update, computed-only values are read
  again, as the providers' Read after Update does.
- Validation: a required argument that is null and the value checks the behaviour file lists
  (enums, ranges, files that must exist) are refused at plan, as the providers refuse them.

It runs in its own environment (toolchains/schema-provider: `tf` pins protobuf<6, dbt-core 1.11
needs >=6) and imports one module of the project's, vocabulary/value_checks.py (standard library
only); what it knows of the providers' behaviour comes from the behaviour file, written by
rehearsal/plugins.py from rehearsal/mocks.py, rehearsal/behaviour.py and vocabulary/providers.py.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# The one module of the project's this plugin imports (standard library only): the providers'
# value checks, shared with the deployment rules.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from vocabulary.value_checks import check_values

_NESTING = {"single": 1, "list": 2, "set": 3, "map": 4, "group": 5}
SINGLE, LIST, SET, MAP, GROUP = 1, 2, 3, 4, 5


# --- values ------------------------------------------------------------------------------------


class _Unknown:
    """cty's unknown value (msgpack extension 0); refined unknowns (extension 12) decode to it."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


def _ext_hook(code: int, data: bytes) -> Any:
    import msgpack

    return UNKNOWN if code in (0, 12) else msgpack.ExtType(code, data)


def _default(value: Any) -> Any:
    import msgpack

    if value is UNKNOWN:
        return msgpack.ExtType(0, b"\x00")
    raise TypeError(f"cannot encode {value!r}")


def decode(dynamic: Any) -> Any:
    import msgpack

    if dynamic.msgpack:
        return msgpack.unpackb(dynamic.msgpack, ext_hook=_ext_hook, raw=False, strict_map_key=False)
    if dynamic.json:
        return json.loads(dynamic.json)
    return None


def encode(pb: Any, value: Any) -> Any:
    import msgpack

    return pb.DynamicValue(msgpack=msgpack.packb(value, default=_default, use_bin_type=True))


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN


def _empty(value: Any) -> bool:
    """The SDK's zero value: null, "", 0, false, [] and {} are one value to a diff."""
    return value is None or value in ("", 0, False) or value in ([], {})


def _contains_unknown(value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(_contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_unknown(v) for v in value)
    return False


def differs(prior: Any, planned: Any, *, deep: bool = False) -> bool:
    """Whether a value changes, the SDK's zero values being one value (deep: inside objects
    and lists too, as ValuesSDKEquivalent compares a whole plan)."""
    if _contains_unknown(planned):
        return True
    if _empty(prior) and _empty(planned):
        return False
    if deep and isinstance(prior, dict) and isinstance(planned, dict):
        return any(differs(prior.get(k), planned.get(k), deep=True) for k in {*prior, *planned})
    if deep and isinstance(prior, list) and isinstance(planned, list):
        return len(prior) != len(planned) or any(
            differs(a, b, deep=True) for a, b in zip(prior, planned, strict=True)
        )
    return bool(prior != planned)


# --- the schema --------------------------------------------------------------------------------


class Schema:
    """A block of the provider's schema (pb.Schema.Block, or a nested attribute's pb.Object)."""

    def __init__(self, block: Any):
        self.attributes = {a.name: a for a in block.attributes}
        self.blocks = {b.type_name: b for b in getattr(block, "block_types", ())}

    def nested(self, name: str) -> tuple[Schema, int] | None:
        """The schema and nesting of a block or a nested attribute, else None."""
        if name in self.blocks:
            block = self.blocks[name]
            return Schema(block.block), block.nesting
        attribute = self.attributes.get(name)
        if attribute is not None and attribute.HasField("nested_type"):
            return Schema(attribute.nested_type), attribute.nested_type.nesting
        return None

    @staticmethod
    def computed_only(attribute: Any) -> bool:
        return bool(attribute.computed and not attribute.optional and not attribute.required)


def _each(value: Any, nesting: int) -> Iterator[tuple[Any, Any]]:
    """(key, element) of a nested value: one element, a list's or set's, a map's."""
    if value is None or is_unknown(value):
        return
    if nesting in (SINGLE, GROUP):
        yield None, value
    elif nesting == MAP:
        yield from value.items()
    else:
        yield from enumerate(value)


def _rebuild(value: Any, nesting: int, elements: dict[Any, Any]) -> Any:
    if value is None or is_unknown(value):
        return value
    if nesting in (SINGLE, GROUP):
        return elements[None]
    if nesting == MAP:
        return {key: elements[key] for key in value}
    return [elements[index] for index in range(len(value))]


def plan_create(schema: Schema, value: Any) -> Any:
    """The SDK's plan of a new object: computed attributes left null are unknown."""
    if not isinstance(value, dict):
        return value
    out = dict(value)
    for name, attribute in schema.attributes.items():
        if out.get(name) is None and attribute.computed:
            out[name] = UNKNOWN
    for name in list(schema.blocks) + [n for n in schema.attributes if schema.nested(n)]:
        nested = schema.nested(name)
        if nested is None or is_unknown(out.get(name)):
            continue
        inner, nesting = nested
        elements = {k: plan_create(inner, e) for k, e in _each(out.get(name), nesting)}
        out[name] = _rebuild(out.get(name), nesting, elements)
    return out


def plan_update(schema: Schema, prior: Any, proposed: Any) -> Any:
    """The SDK's plan of an update (terraform-plugin-sdk v2.38.1, the version both providers
    pin): Terraform's proposed value, computed values kept from the state. Nothing is marked
    unknown: helper/schema/schema.go:1733-1744 records no diff for a computed attribute that has
    neither an old nor a new value once the resource has an id, and grpc_provider.go:1209-1212
    sets unknowns on create only. So a computed attribute of a nested block the update adds
    (an identity given to an existing account) plans null, and so does anything reading it.
    Where the state holds the zero value the SDK wrote for an argument the configuration leaves
    unset, the plan keeps it: the SDK sees no change (terraform/diff.go, applySingleAttrDiff)."""
    if not isinstance(proposed, dict) or not isinstance(prior, dict):
        return proposed
    out = dict(proposed)
    for name, attribute in schema.attributes.items():
        if out.get(name) is None and not attribute.computed and _empty(prior.get(name)):
            out[name] = prior.get(name)
    for name in schema.blocks:
        inner, nesting = schema.nested(name)  # type: ignore[misc]
        new, old = out.get(name), prior.get(name)
        if nesting in (SINGLE, GROUP) and isinstance(new, dict):
            out[name] = plan_update(inner, old, new)
        elif nesting == LIST and isinstance(new, list) and isinstance(old, list):
            out[name] = [
                plan_update(inner, old[i] if i < len(old) else None, element)
                for i, element in enumerate(new)
            ]
    return out


def _leaves(
    schema: Schema, value: Any, segments: list[str], path: tuple[Any, ...]
) -> Iterator[tuple[Any, ...]]:
    """(path, value) at a dotted force_new path: one per list element; a set as a whole, in a
    canonical order (a set's order is no change). A map key is a 1-tuple in the path."""
    name, rest = segments[0], segments[1:]
    here = value.get(name) if isinstance(value, dict) else None
    nested = schema.nested(name)
    attribute = schema.attributes.get(name)
    is_set = (nested is not None and nested[1] == SET) or (
        attribute is not None and attribute.type.startswith(b'["set"')
    )
    if is_set and isinstance(here, list) and not _contains_unknown(here):
        here = sorted(here, key=lambda item: json.dumps(item, sort_keys=True, default=str))
    if not rest or nested is None or is_unknown(here) or here is None or is_set:
        yield (*path, name), here
        return
    inner, nesting = nested
    for key, element in _each(here, nesting):
        step: tuple[Any, ...] = (name,)
        if nesting == MAP:
            step = (name, (key,))
        elif nesting == LIST:
            step = (name, key)
        yield from _leaves(inner, element, rest, (*path, *step))


def replace_paths(
    schema: Schema, prior: dict[str, Any], planned: dict[str, Any], force_new: list[str]
) -> list[tuple[Any, ...]]:
    """The paths whose change the provider forces new, where prior and planned differ."""
    paths = []
    for dotted in force_new:
        segments = dotted.split(".")
        before = dict(_leaves(schema, prior, segments, ()))
        after = dict(_leaves(schema, planned, segments, ()))
        for path in sorted(set(before) | set(after), key=str):
            if differs(before.get(path), after.get(path)):
                paths.append(path)
    return paths


def value_at(value: Any, dotted: str) -> Any:
    """A dotted path into a state value (a block list's first element)."""
    for segment in dotted.split("."):
        while isinstance(value, list):
            value = value[0] if value else None
        if not isinstance(value, dict):
            return None
        value = value.get(segment)
    return value


def _matches(value: Any, expected: Any) -> bool:
    return value in expected if isinstance(expected, list) else bool(value == expected)


def conditional_replacements(
    rules: list[dict[str, Any]], prior: dict[str, Any], planned: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """A CustomizeDiff's replacements. A rule: {"path"}, and any of "from" / "to" (a value or
    a list of values), "unless" ([from, to] pairs), "unless_from" (values), "removed" (an
    element of the list left)."""
    paths = []
    for rule in rules:
        before, after = value_at(prior, rule["path"]), value_at(planned, rule["path"])
        if is_unknown(after):
            # ForceNewIfChange reads a new value known only after apply as its zero value
            # (pluginsdk.ForceNewIfChange: d.GetChange), and so may force new on it.
            after = False if isinstance(before, bool) else ("" if isinstance(before, str) else None)
        if not differs(before, after):
            continue
        if "from" in rule and not _matches(before, rule["from"]):
            continue
        if "to" in rule and not _matches(after, rule["to"]):
            continue
        if [before, after] in rule.get("unless", []) or before in rule.get("unless_from", []):
            continue
        if rule.get("removed") and set(before or []) <= set(after or []):
            continue
        paths.append(tuple(rule["path"].split(".")[:1]))
    return paths


# --- values per configuration -------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{(\w+)(:last)?\}")
IDENTIFYING = ("name", "display_name", "path", "resource_group_name")
"""Identify a resource whose type forces nothing new (a change of a force_new argument makes
another object, so those arguments identify one everywhere else)."""


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("|".join(parts).encode()).digest()


class Values:
    """What the provider returns for a resource: the behaviour file's spec, evaluated on the
    resource's own configuration."""

    def __init__(
        self,
        type_name: str,
        state: dict[str, Any],
        provider: dict[str, Any],
        identifying: tuple[str, ...] = IDENTIFYING,
    ):
        self.type_name, self.state, self.provider = type_name, state, provider
        identity = [
            json.dumps(state.get(k), sort_keys=True, default=str)
            for k in identifying or IDENTIFYING
            if state.get(k) is not None and not _contains_unknown(state.get(k))
        ]
        self.resource_digest = _digest(type_name, *identity)

    def condition(self, test: dict[str, Any]) -> bool:
        if "set" in test:
            found = value_at(self.state, test["set"])
            return not _empty(found) and not is_unknown(found)
        if "contains" in test:
            path, text = test["contains"]
            return text in str(value_at(self.state, path) or "")
        if "equals" in test:
            path, expected = test["equals"]
            return bool(value_at(self.state, path) == expected)
        if "in" in test:
            path, options = test["in"]
            return value_at(self.state, path) in options
        raise ValueError(f"unknown condition {test}")

    def resolve(self, spec: Any, path: str) -> Any:
        """A spec as a value: conditions chosen, placeholders filled."""
        if isinstance(spec, dict) and "$if" in spec:
            branch = "then" if self.condition(spec["$if"]) else "else"
            return self.resolve(spec.get(branch), path)
        if isinstance(spec, str):
            return self.template(spec, path)
        if isinstance(spec, list):
            return [self.resolve(item, f"{path}[{i}]") for i, item in enumerate(spec)]
        if isinstance(spec, dict):
            return {k: self.resolve(v, f"{path}.{k}") for k, v in spec.items()}
        return spec

    def template(self, text: str, path: str) -> str:
        """Placeholders: {attr} (a top-level value; {attr:last}, an id's last segment), the
        provider's configuration, {guid} {hexN} {HEXN} {digits} {octet} (one per resource) and
        {uuid} (one per resource and attribute)."""
        own = self.resource_digest.hex()

        def guid(h: str) -> str:
            return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:32]}"

        derived: dict[str, Callable[[], str]] = {
            "uuid": lambda: guid(_digest(own, path).hex()),
            "guid": lambda: guid(own),
            "digits": lambda: str(10**15 + int(own[:16], 16) % (9 * 10**15)),  # no leading 0
            "octet": lambda: str(1 + int(own[:8], 16) % 254),  # an address's last byte
        }

        def fill(match: re.Match[str]) -> str:
            key, last = match.group(1), match.group(2)
            if key in derived:
                return derived[key]()
            if re.fullmatch(r"(hex|HEX)\d+", key):
                digits = own[: int(key[3:])]
                return digits.upper() if key.startswith("HEX") else digits
            found = self.state.get(key)
            if isinstance(found, str) and found:
                return found.rstrip("/").rsplit("/", 1)[-1] if last else found
            if isinstance(found, int | float) and not isinstance(found, bool):
                return str(found)
            return str(self.provider.get(key, match.group(0)))

        return _PLACEHOLDER.sub(fill, text)


def _coerce(value: Any, type_json: Any) -> Any:
    """A resolved spec in the attribute's type (a number from a template's digits)."""
    if type_json == "number" and isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    return value


_ZERO: dict[str, Any] = {"string": "", "number": 0, "bool": False}


def generate(type_json: Any) -> Any:
    """A value of a cty type for a computed attribute with no spec (the zero value)."""
    if isinstance(type_json, str):
        return _ZERO.get(type_json)
    kind = type_json[0] if isinstance(type_json, list) else None
    if kind == "object":
        return {k: generate(t) for k, t in type_json[1].items()}
    empty: dict[Any, Any] = {"list": [], "set": [], "map": {}}
    return empty.get(kind)


def _inner(spec: dict[str, Any], name: str) -> dict[str, Any]:
    """A nested block's spec (applied to each of its elements)."""
    found = spec.get(name)
    return found if isinstance(found, dict) else {}


def returned(schema: Schema, state: Any, spec: dict[str, Any], values: Values) -> Any:
    """An apply's state with what the service returns for arguments left unset (a spec of
    `{"$returned": value}`): the provider stores it whether or not it was planned."""
    if not isinstance(state, dict):
        return state
    out = dict(state)
    for name, attribute in schema.attributes.items():
        found = spec.get(name)
        if isinstance(found, dict) and "$returned" in found and out.get(name) is None:
            type_json = json.loads(attribute.type) if attribute.type else None
            out[name] = _coerce(values.resolve(found["$returned"], name), type_json)
    return out


def fill(
    schema: Schema,
    value: Any,
    spec: dict[str, Any],
    values: Values,
    *,
    reread: bool,
    path: str = "",
) -> Any:
    """Unknowns replaced by the spec's value (or a generated one); with reread, every
    computed-only attribute with a spec is read again."""
    if not isinstance(value, dict):
        return value
    out = dict(value)
    for name, attribute in schema.attributes.items():
        here = out.get(name)
        nested = schema.nested(name)
        has_spec = name in spec
        if is_unknown(here) or (reread and has_spec and Schema.computed_only(attribute)):
            if has_spec:
                resolved = values.resolve(spec[name], f"{path}{name}")
                type_json = json.loads(attribute.type) if attribute.type else None
                out[name] = _coerce(resolved, type_json)
            elif nested is not None:
                out[name] = None if nested[1] in (SINGLE, GROUP) else generate(["list", None])
            else:
                out[name] = generate(json.loads(attribute.type or b'"string"'))
            continue
        if nested is not None and here is not None:
            inner, nesting = nested
            inner_spec = _inner(spec, name)
            elements = {
                k: fill(inner, e, inner_spec, values, reread=reread, path=f"{path}{name}.")
                for k, e in _each(here, nesting)
            }
            out[name] = _rebuild(here, nesting, elements)
    for name in schema.blocks:
        inner, nesting = schema.nested(name)  # type: ignore[misc]
        inner_spec = _inner(spec, name)
        here = out.get(name)
        elements = {
            k: fill(inner, e, inner_spec, values, reread=reread, path=f"{path}{name}.")
            for k, e in _each(here, nesting)
        }
        out[name] = _rebuild(here, nesting, elements)
    return out


# --- what the rehearsal applied ---------------------------------------------------------------


def world_file(type_name: str, keys: dict[str, Any]) -> Path | None:
    """Where the rehearsal provider keeps an object it applied, for data sources that read it
    back: per Terraform process (one per test file, so each file is its own world), or per
    MDP_REHEARSAL_WORLD_ID (the pull-request rehearsal runs one Terraform per stack and step)."""
    world = os.environ.get("MDP_REHEARSAL_WORLD")
    if not world:
        return None
    digest = hashlib.sha256(json.dumps(keys, sort_keys=True).encode()).hexdigest()[:24]
    owner = os.environ.get("MDP_REHEARSAL_WORLD_ID") or str(os.getppid())
    return Path(world) / owner / type_name / f"{digest}.json"


def given(type_name: str, config: dict[str, Any]) -> dict[str, Any]:
    """What someone outside the stacks set up (IT's route table), as the rehearsal plays it:
    MDP_REHEARSAL_GIVEN names a JSON file {data source type: [{"match": {argument: value},
    "values": {attribute: value}}]}; a data source read that matches answers those values over
    its mocked ones. (terraform test runs do the same with override_data.)"""
    path = os.environ.get("MDP_REHEARSAL_GIVEN")
    if not path:
        return {}
    entries = json.loads(Path(path).read_text("utf-8")).get(type_name, [])
    for entry in entries:
        if all(config.get(k) == v for k, v in entry["match"].items()):
            return dict(entry["values"])
    return {}


def remember(reads: dict[str, dict[str, Any]], type_name: str, prior: Any, state: Any) -> None:
    for read in reads.values():
        if read["resource"] != type_name:
            continue
        before, after = (
            world_file(type_name, {k: v.get(k) for k in read["keys"]})
            if isinstance(v, dict)
            else None
            for v in (prior, state)
        )
        if before is not None and before != after and before.exists():
            before.unlink()
        if after is not None:
            after.parent.mkdir(parents=True, exist_ok=True)
            after.write_text(json.dumps(state, default=str), encoding="utf-8")


def conform(type_json: Any, value: Any) -> Any:
    """A value in a cty type: objects keep the type's attributes (a resource's block read by a
    data source whose attribute has fewer)."""
    if value is None or not isinstance(type_json, list):
        return value
    kind = type_json[0]
    if kind in ("list", "set") and isinstance(value, list):
        return [conform(type_json[1], item) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {k: conform(type_json[1], v) for k, v in value.items()}
    if kind == "object" and isinstance(value, dict):
        return {k: conform(t, value.get(k)) for k, t in type_json[1].items()}
    return value


# --- validation ---------------------------------------------------------------------------------


def missing_required(
    schema: Schema, value: Any, path: tuple[Any, ...] = ()
) -> Iterator[tuple[Any, ...]]:
    """Paths of required arguments whose value is a known null."""
    if not isinstance(value, dict):
        return
    for name, attribute in schema.attributes.items():
        if attribute.required and name in value and value[name] is None:
            yield (*path, name)
    for name in list(schema.blocks) + list(schema.attributes):
        nested = schema.nested(name)
        if nested is None:
            continue
        inner, nesting = nested
        for key, element in _each(value.get(name), nesting):
            step: tuple[Any, ...] = (name,)
            if nesting == MAP:
                step = (name, (key,))
            elif nesting == LIST:
                step = (name, key)
            yield from missing_required(inner, element, (*path, *step))


# --- the plugin ---------------------------------------------------------------------------------


def _attribute(pb: Any, name: str, spec: dict[str, Any]) -> Any:
    attribute = pb.Schema.Attribute(
        name=name,
        description=spec.get("description", ""),
        required=spec.get("required", False),
        optional=spec.get("optional", False),
        computed=spec.get("computed", False),
        sensitive=spec.get("sensitive", False),
        deprecated=spec.get("deprecated", False),
    )
    if "type" in spec:
        attribute.type = json.dumps(spec["type"]).encode()
    if "nested_type" in spec:
        nested = spec["nested_type"]
        attribute.nested_type.CopyFrom(
            pb.Schema.Object(
                attributes=[
                    _attribute(pb, n, s) for n, s in sorted(nested.get("attributes", {}).items())
                ],
                nesting=_NESTING[nested["nesting_mode"]],
            )
        )
    return attribute


def _block(pb: Any, spec: dict[str, Any]) -> Any:
    return pb.Schema.Block(
        attributes=[_attribute(pb, n, s) for n, s in sorted(spec.get("attributes", {}).items())],
        block_types=[
            pb.Schema.NestedBlock(
                type_name=name,
                block=_block(pb, nested["block"]),
                nesting=_NESTING[nested["nesting_mode"]],
                min_items=nested.get("min_items", 0),
                max_items=nested.get("max_items", 0),
            )
            for name, nested in sorted(spec.get("block_types", {}).items())
        ],
        description=spec.get("description", ""),
        deprecated=spec.get("deprecated", False),
    )


def _schema(pb: Any, spec: dict[str, Any]) -> Any:
    return pb.Schema(version=spec.get("version", 0), block=_block(pb, spec["block"]))


def convert(schemas_file: Path, source: str, out: Path) -> None:
    """One provider's part of `terraform providers schema -json` as a GetProviderSchema answer."""
    from tf.gen import tfplugin_pb2 as pb

    opener = gzip.open if schemas_file.suffix == ".gz" else open
    with opener(schemas_file, "rt", encoding="utf-8") as stream:
        provider = json.load(stream)["provider_schemas"][source]
    answer = pb.GetProviderSchema.Response(
        provider=_schema(pb, provider["provider"]),
        server_capabilities=pb.ServerCapabilities(get_provider_schema_optional=False),
    )
    for name, spec in provider.get("resource_schemas", {}).items():
        answer.resource_schemas[name].CopyFrom(_schema(pb, spec))
    for name, spec in provider.get("data_source_schemas", {}).items():
        answer.data_source_schemas[name].CopyFrom(_schema(pb, spec))
    out.write_bytes(answer.SerializeToString(deterministic=True))


def _diagnostic(pb: Any, summary: str, detail: str, path: tuple[Any, ...] = ()) -> Any:
    diagnostic = pb.Diagnostic(severity=pb.Diagnostic.ERROR, summary=summary, detail=detail)
    if path:
        diagnostic.attribute.CopyFrom(_path(pb, path))
    return diagnostic


def _step(pb: Any, step: Any) -> Any:
    if isinstance(step, int):
        return pb.AttributePath.Step(element_key_int=step)
    if isinstance(step, tuple):  # a map key
        return pb.AttributePath.Step(element_key_string=str(step[0]))
    return pb.AttributePath.Step(attribute_name=step)


def _path(pb: Any, path: tuple[Any, ...]) -> Any:
    return pb.AttributePath(steps=[_step(pb, step) for step in path])


def serve(schema_file: Path, behaviour_file: Path) -> None:
    import tf.provider
    from tf.gen import tfplugin_pb2 as pb
    from tf.gen import tfplugin_pb2_grpc as rpc
    from tf.runner import run_provider

    schema = pb.GetProviderSchema.Response.FromString(schema_file.read_bytes())
    behaviour = json.loads(behaviour_file.read_text("utf-8"))
    capabilities = pb.ServerCapabilities(get_provider_schema_optional=False)
    resource_schemas: dict[str, Schema] = {}
    data_schemas: dict[str, Schema] = {}

    def resource_schema(type_name: str) -> Schema:
        if type_name not in resource_schemas:
            resource_schemas[type_name] = Schema(schema.resource_schemas[type_name].block)
        return resource_schemas[type_name]

    def data_schema(type_name: str) -> Schema:
        if type_name not in data_schemas:
            data_schemas[type_name] = Schema(schema.data_source_schemas[type_name].block)
        return data_schemas[type_name]

    def validate(block: Schema, config: Any, checks: list[dict[str, Any]]) -> list[Any]:
        said = [
            _diagnostic(
                pb,
                "Missing required argument",
                f'The argument "{path[-1]}" is required, but no definition was found.',
                path,
            )
            for path in missing_required(block, config)
        ]
        for attribute, detail in check_values(checks, config, is_unknown):
            said.append(_diagnostic(pb, f"invalid value for {attribute}", detail))
        return said

    def read_back(name: str, read: dict[str, Any], block: Schema, config: dict[str, Any]) -> Any:
        """A data source reading an object the rehearsal applied: its values as applied, or
        Azure's not-found error."""
        keys = {k: config.get(k) for k in read["keys"]}
        found = world_file(read["resource"], keys)
        if found is None or not found.exists():
            said = _diagnostic(
                pb,
                f"reading {name}: not found",
                f"{read['resource']} {keys} does not exist (the rehearsal has not applied it)",
            )
            return pb.ReadDataSource.Response(diagnostics=[said])
        stored = json.loads(found.read_text("utf-8"))
        state = {
            k: conform(json.loads(a.type) if a.type else "dynamic", stored.get(k))
            for k, a in block.attributes.items()
        }
        state.update({k: v for k, v in config.items() if v is not None and k in block.attributes})
        for k in block.blocks:
            state[k] = config.get(k)
        return pb.ReadDataSource.Response(state=encode(pb, state))

    class RehearsalProvider(rpc.ProviderServicer):  # type: ignore[misc]
        def __init__(self, _provider: object) -> None:
            super().__init__()
            self.provider_values: dict[str, Any] = dict(behaviour.get("provider_defaults", {}))

        def GetMetadata(self, request: Any, context: Any) -> Any:
            return pb.GetMetadata.Response(
                server_capabilities=capabilities,
                resources=[
                    pb.GetMetadata.ResourceMetadata(type_name=name)
                    for name in schema.resource_schemas
                ],
                data_sources=[
                    pb.GetMetadata.DataSourceMetadata(type_name=name)
                    for name in schema.data_source_schemas
                ],
            )

        def GetProviderSchema(self, request: Any, context: Any) -> Any:
            return schema

        def ValidateProviderConfig(self, request: Any, context: Any) -> Any:
            return pb.ValidateProviderConfig.Response()

        def ValidateResourceConfig(self, request: Any, context: Any) -> Any:
            name = request.type_name
            checks = behaviour.get("checks", {}).get(name, [])
            said = validate(resource_schema(name), decode(request.config), checks)
            return pb.ValidateResourceConfig.Response(diagnostics=said)

        def ValidateDataResourceConfig(self, request: Any, context: Any) -> Any:
            name = request.type_name
            said = validate(data_schema(name), decode(request.config), [])
            return pb.ValidateDataResourceConfig.Response(diagnostics=said)

        def ConfigureProvider(self, request: Any, context: Any) -> Any:
            config = decode(request.config) or {}
            for key in ("subscription_id", "account_id", "host"):
                if isinstance(config.get(key), str) and config[key]:
                    self.provider_values[key] = config[key]
            return pb.ConfigureProvider.Response()

        def UpgradeResourceState(self, request: Any, context: Any) -> Any:
            # State written by this schema version: nothing to upgrade.
            state = pb.DynamicValue(json=request.raw_state.json)
            return pb.UpgradeResourceState.Response(upgraded_state=state)

        def ReadResource(self, request: Any, context: Any) -> Any:
            # Nothing changes behind Terraform's back: the state is what Azure holds.
            return pb.ReadResource.Response(
                new_state=request.current_state, private=request.private
            )

        def PlanResourceChange(self, request: Any, context: Any) -> Any:
            name = request.type_name
            block = resource_schema(name)
            prior, proposed = decode(request.prior_state), decode(request.proposed_new_state)
            if proposed is None:  # a delete
                return pb.PlanResourceChange.Response(
                    planned_state=request.proposed_new_state, legacy_type_system=True
                )
            if prior is None:
                return pb.PlanResourceChange.Response(
                    planned_state=encode(pb, plan_create(block, proposed)),
                    legacy_type_system=True,
                )
            planned = plan_update(block, prior, proposed)
            if not differs(prior, planned, deep=True):
                # The SDK answers with the prior state when the plan is equivalent to it
                # (hcl2shim.ValuesSDKEquivalent, grpc_provider.go:1203-1206): no change.
                return pb.PlanResourceChange.Response(
                    planned_state=request.prior_state,
                    planned_private=request.prior_private,
                    legacy_type_system=True,
                )
            paths = replace_paths(block, prior, planned, behaviour["force_new"].get(name, []))
            paths += conditional_replacements(
                behaviour.get("conditional_replacements", {}).get(name, []), prior, planned
            )
            return pb.PlanResourceChange.Response(
                planned_state=encode(pb, planned),
                requires_replace=[_path(pb, p) for p in dict.fromkeys(paths)],
                legacy_type_system=True,
            )

        def ApplyResourceChange(self, request: Any, context: Any) -> Any:
            name = request.type_name
            prior, planned = decode(request.prior_state), decode(request.planned_state)
            if planned is None:  # destroyed
                remember(behaviour.get("reads", {}), name, prior, None)
                return pb.ApplyResourceChange.Response(
                    new_state=request.planned_state, legacy_type_system=True
                )
            spec = behaviour["resources"].get(name, {})
            identifying = tuple(
                sorted({p.split(".")[0] for p in behaviour["force_new"].get(name, [])})
            )
            values = Values(name, planned, self.provider_values, identifying)
            state = fill(resource_schema(name), planned, spec, values, reread=prior is not None)
            state = returned(resource_schema(name), state, spec, values)
            remember(behaviour.get("reads", {}), name, prior, state)
            # An SDKv2 resource may store what it did not plan (Terraform only warns); one
            # served by the plugin framework may not.
            return pb.ApplyResourceChange.Response(
                new_state=encode(pb, state),
                private=request.planned_private,
                legacy_type_system=name not in behaviour.get("framework", ()),
            )

        def ImportResourceState(self, request: Any, context: Any) -> Any:
            said = _diagnostic(
                pb,
                "Import is not rehearsed",
                "The rehearsal provider holds no real object to import; rehearse the import "
                "with the real providers (REHEARSAL_PROVIDERS=registry) against a real account.",
            )
            return pb.ImportResourceState.Response(diagnostics=[said])

        def ReadDataSource(self, request: Any, context: Any) -> Any:
            name = request.type_name
            config = decode(request.config) or {}
            block = data_schema(name)
            read = behaviour.get("reads", {}).get(name)
            if read is not None:
                return read_back(name, read, block, config)
            unknown_computed = {
                k: (UNKNOWN if v is None and block.attributes[k].computed else v)
                for k, v in config.items()
                if k in block.attributes
            }
            planned = {**config, **unknown_computed}
            spec = behaviour["data_sources"].get(name, {})
            values = Values(name, config, self.provider_values)
            state = fill(block, plan_create(block, planned), spec, values, reread=False)
            for key, value in given(name, config).items():
                attribute = block.attributes[key]
                state[key] = conform(
                    json.loads(attribute.type) if attribute.type else "dynamic", value
                )
            return pb.ReadDataSource.Response(state=encode(pb, state))

        def StopProvider(self, request: Any, context: Any) -> Any:
            return pb.StopProvider.Response()

    # run_provider builds `tf.provider.ProviderServicer(provider)` around a Python-defined
    # provider; this plugin has a schema instead, so its servicer takes that place.
    tf.provider.ProviderServicer = RehearsalProvider
    run_provider(None, [sys.argv[0]])  # no --dev: the handshake Terraform expects


def main(argv: list[str]) -> int:
    commands: dict[str, tuple[int, Callable[..., None]]] = {
        "serve": (2, lambda a, b: serve(Path(a), Path(b))),
        "convert": (3, lambda a, b, c: convert(Path(a), b, Path(c))),
    }
    if argv[:1] and argv[0] in commands and len(argv) - 1 == commands[argv[0]][0]:
        commands[argv[0]][1](*argv[1:])
        return 0
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
