"""The JSON Schema of the fact files, for editors: completion, hover help and underlined typos as the legal team types.

``legalsite schema`` writes ``schemas/brand.schema.json`` and ``schemas/vendors.schema.json``. Each fact file
names its schema on its first line (``HEADERS``), the way the YAML language server (VS Code, and JetBrains
IDEs) looks for it.

The schema is the fact model's, adjusted to say what legalsite accepts and no more:
- an empty value is allowed everywhere: it means "not given yet" (``legalsite new`` writes every fact empty);
  whether a required fact is given is ``legalsite check``'s to say, not the editor's;
- plain text also accepts what an editor's YAML 1.2 reads as a number or yes/no (``010``, ``true``):
  legalsite keeps every value exactly as typed;
- each field's description says on which pages it is shown and whether it is required or expected.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .model import Brand, VendorRegistry

SCHEMAS: dict[str, type[BaseModel]] = {"brand": Brand, "vendors": VendorRegistry}
SCHEMA_DIR = "schemas"  # in the project folder
# The first line of each kind of fact file: a path from the file to its schema.
HEADERS = {
    "brand": f"# yaml-language-server: $schema=../../{SCHEMA_DIR}/brand.schema.json",
    "vendors": f"# yaml-language-server: $schema=../{SCHEMA_DIR}/vendors.schema.json",
}
_OURS = ("pages", "expected", "phrase", "ref", "noun", "qualifies", "unstated")  # the model's own metadata, turned into words below


def schema(name: str) -> dict[str, Any]:
    """The editor schema of one kind of fact file: "brand" or "vendors"."""
    model = SCHEMAS[name]
    generated = model.model_json_schema()
    for definition in [generated, *generated.get("$defs", {}).values()]:
        if definition is not generated:
            definition["type"] = ["object", "null"]  # a group of facts may be left empty, like any fact
        required = set(definition.get("required", ()))
        for key, prop in definition.get("properties", {}).items():
            definition["properties"][key] = _editable(prop, key in required)
    return {"$schema": "http://json-schema.org/draft-07/schema#",
            "$comment": "Written by 'legalsite schema' from generator/model.py; do not edit by hand.",
            **generated}


def _editable(prop: dict[str, Any], required: bool) -> dict[str, Any]:
    notes = [prop.get("description", "").rstrip()]
    if required:
        notes.append("Required.")
    elif prop.get("expected"):
        notes.append("Expected: 'legalsite check' warns while it is not given.")
    pages = [p for p in prop.get("pages", ()) if p != "index"]
    if pages:
        notes.append(f"Shown on: {', '.join(pages)}.")
    prop = {k: v for k, v in prop.items() if k not in _OURS}
    prop["description"] = " ".join(n for n in notes if n)
    prop.update(_as_typed(prop))
    return prop


def _as_typed(prop: dict[str, Any]) -> dict[str, Any]:
    """The type keywords of a property, widened to what legalsite accepts (see the module's docstring)."""
    options = prop.pop("anyOf", None) or [{k: prop.pop(k) for k in ("type", "items", "$ref", "enum", "const",
                                                                     "pattern", "format", "exclusiveMinimum")
                                            if k in prop}]
    # One type plus empty needs no anyOf, so an editor's message points inside the value, not at it.
    options = [_widened(o) for o in options if o != {"type": "null"}]
    if len(options) == 1 and "$ref" in options[0]:
        # a group of facts (its definition allows empty, above); the type lets editors complete "dates:" as a group
        return {"type": ["object", "null"], "allOf": options}
    if len(options) == 1:
        option = options[0]
        if "enum" in option or "const" in option:
            return {"enum": [*option.get("enum", [option.get("const")]), None]}
        types = option["type"] if isinstance(option["type"], list) else [option["type"]]
        return {**option, "type": [*types, "null"]}
    return {"anyOf": [*options, {"type": "null"}]}


def _widened(option: dict[str, Any]) -> dict[str, Any]:
    if option == {"type": "string"}:
        return {"type": ["string", "number", "boolean"]}
    if option.get("type") == "array" and option.get("items") == {"type": "string"}:
        return {**option, "items": {"type": ["string", "number", "boolean"]}}
    return option


@functools.cache
def schema_text(name: str) -> str:
    """The schema file's text; made once per process, since check (and each preview rebuild) compares it."""
    return to_json(schema(name))


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def stale_schemas(root: Path) -> list[str]:
    """The schema files under ``root/schemas/`` that are missing or differ from the model."""
    return [f"{SCHEMA_DIR}/{name}.schema.json" for name in SCHEMAS
            if _read(root / SCHEMA_DIR / f"{name}.schema.json") != schema_text(name)]


def write_schemas(root: Path) -> list[Path]:
    """Write every editor schema into ``root/schemas/``, each file replaced whole (never half-written)."""
    folder = root / SCHEMA_DIR
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SCHEMAS:
        path = folder / f"{name}.schema.json"
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, delete=False, suffix=".tmp") as tmp:
            tmp.write(schema_text(name))
        os.replace(tmp.name, path)
        written.append(path)
    return written


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None
