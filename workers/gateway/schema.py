"""The OpenAPI schema with the network's closed vocabularies as enums, for generated clients.

The models keep plain strings where the API accepts several spellings (a municipality by
id, Danish name or kommune code; a target group by code or alias) and where the valid set
is data, not code (the rulebook's municipalities, target groups and certificate codes,
which change without a code change). The schema says what they are: named component
schemas (`MunicipalityId`, `MunicipalityName`, `KommuneCode`, `TargetGroupCode`,
`TargetGroupAlias`, `CertificateCode`) built from the loaded rulebook, referenced from
every field and path parameter of that name. Phases, event types and obligation kinds are
enums in the models already.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from domain.rulebook import Rulebook

CERTIFICATE_CODES_RULE = "certificate.types"


def vocabularies(rules: Rulebook) -> dict[str, dict[str, Any]]:
    municipalities = rules.municipalities()
    groups = rules.target_groups()
    codes = sorted(
        {
            str(code)
            for dated in rules.rule(CERTIFICATE_CODES_RULE).values
            for code in (dated.value if isinstance(dated.value, list) else [])
        }
    )

    def enum(values: list[str], description: str) -> dict[str, Any]:
        return {"type": "string", "enum": values, "description": description}

    return {
        "MunicipalityId": enum(sorted(m.id for m in municipalities), "Municipality id."),
        "MunicipalityName": enum(sorted(m.name for m in municipalities), "Danish name."),
        "KommuneCode": enum(sorted(str(m.code) for m in municipalities), "Kommune code."),
        "TargetGroupCode": enum(sorted(g.code for g in groups), "LAB § 2 target group code."),
        "TargetGroupAlias": enum(
            sorted({a for g in groups for a in g.aliases}), "Readable target group alias."
        ),
        "CertificateCode": enum(codes, "Certificate and record codes the rulebook knows."),
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


FIELD_SCHEMAS: dict[str, dict[str, Any]] = {
    "municipality": {
        "anyOf": [_ref("MunicipalityId"), _ref("MunicipalityName"), _ref("KommuneCode")]
    },
    "target_group": {"anyOf": [_ref("TargetGroupCode"), _ref("TargetGroupAlias")]},
    "certificate": _ref("CertificateCode"),
}


def _typed(schema: dict[str, Any], vocabulary: dict[str, Any]) -> dict[str, Any]:
    """`schema` (a plain or nullable string) constrained to `vocabulary`, keeping its
    description, default and nullability."""
    kept = {k: v for k, v in schema.items() if k in ("title", "description", "default")}
    nullable = any(s.get("type") == "null" for s in schema.get("anyOf", []))
    if nullable:
        return {**kept, "anyOf": [vocabulary, {"type": "null"}]}
    return {**kept, **vocabulary}


def _is_string(schema: dict[str, Any]) -> bool:
    if schema.get("type") == "string":
        return True
    options = schema.get("anyOf", [])
    return bool(options) and all(s.get("type") in ("string", "null") for s in options)


def enrich(spec: dict[str, Any], rules: Rulebook) -> dict[str, Any]:
    components = spec.setdefault("components", {}).setdefault("schemas", {})
    components.update(vocabularies(rules))
    for model in components.values():
        for name, prop in model.get("properties", {}).items():
            if name in FIELD_SCHEMAS and _is_string(prop):
                model["properties"][name] = _typed(prop, FIELD_SCHEMAS[name])
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                name, schema = parameter.get("name"), parameter.get("schema", {})
                if name in FIELD_SCHEMAS and _is_string(schema):
                    parameter["schema"] = _typed(schema, FIELD_SCHEMAS[name])
    return spec


def install_schema_vocabularies(app: FastAPI, rules: Rulebook) -> None:
    """Wrap `app.openapi` so the document it builds (once, cached by FastAPI) gains the
    vocabularies; other wrappers (installed before or after) compose with this one."""
    build = app.openapi
    enriched: set[int] = set()

    def openapi() -> dict[str, Any]:
        spec = build()
        if id(spec) not in enriched:
            enrich(spec, rules)
            enriched.add(id(spec))
        return spec

    setattr(app, "openapi", openapi)  # noqa: B010 - FastAPI's documented override point
