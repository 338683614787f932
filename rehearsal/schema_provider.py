"""A schema-only provider plugin: what `terraform test` needs of a provider it mocks.

    <plugin python> rehearsal/schema_provider.py serve <schema.pb>
    <plugin python> rehearsal/schema_provider.py convert <schemas.json[.gz]> <source> <schema.pb>

Terraform asks every provider plugin for its schema, even under `mock_provider`, and sends it
the configuration to validate; the mock answers everything else (plan, apply, reads). Where the
Terraform registry cannot be reached, this process stands in for azurerm 4.55.0 and databricks
1.99.0: it answers go-plugin's handshake (the `tf` package's runner, mutual TLS on a Unix
socket), returns the provider's schema exactly as `terraform providers schema -json` printed it
(converted once, by `convert`, when the plugin is installed), accepts every configuration (the real
providers' value checks are not here: the rehearsal with real providers runs them) and hands
prior state back unchanged from UpgradeResourceState.

It runs in its own environment (toolchains/schema-provider: `tf` pins protobuf<6, dbt-core 1.11
needs >=6) and imports nothing of the project's.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

_NESTING = {"single": 1, "list": 2, "set": 3, "map": 4, "group": 5}


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


def serve(schema_file: Path) -> None:
    import tf.provider
    from tf.gen import tfplugin_pb2 as pb
    from tf.gen import tfplugin_pb2_grpc as rpc
    from tf.runner import run_provider

    schema = pb.GetProviderSchema.Response.FromString(schema_file.read_bytes())
    capabilities = pb.ServerCapabilities(get_provider_schema_optional=False)

    class SchemaOnly(rpc.ProviderServicer):  # type: ignore[misc]
        def __init__(self, _provider: object) -> None:
            super().__init__()

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
            return pb.ValidateResourceConfig.Response()

        def ValidateDataResourceConfig(self, request: Any, context: Any) -> Any:
            return pb.ValidateDataResourceConfig.Response()

        def ConfigureProvider(self, request: Any, context: Any) -> Any:
            return pb.ConfigureProvider.Response()

        def UpgradeResourceState(self, request: Any, context: Any) -> Any:
            # State written by this schema version: nothing to upgrade.
            state = pb.DynamicValue(json=request.raw_state.json)
            return pb.UpgradeResourceState.Response(upgraded_state=state)

        def StopProvider(self, request: Any, context: Any) -> Any:
            return pb.StopProvider.Response()

    # run_provider builds `tf.provider.ProviderServicer(provider)` around a Python-defined
    # provider; this plugin has a schema instead, so its servicer takes that place.
    tf.provider.ProviderServicer = SchemaOnly
    run_provider(None, [sys.argv[0]])  # no --dev: the handshake Terraform expects


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"] and len(sys.argv) == 3:
        serve(Path(sys.argv[2]))
    elif sys.argv[1:2] == ["convert"] and len(sys.argv) == 5:
        convert(Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4]))
    else:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        sys.exit(2)
