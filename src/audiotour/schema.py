"""The JSON Schemas of the tour file and of a translation file, generated from the models that validate them.

Published with the package (`tour.schema.json`, `translation.schema.json`) so
that editors validate and complete those files: VS Code with the YAML
extension reads a first line ``# yaml-language-server: $schema=<path or URL
of the schema>``. The validators stay the models (they also check files, ids,
dates and how a translation matches its tour); a schema is what an editor can
know before a build.
"""
from __future__ import annotations

import json
from importlib import resources
from typing import Any

from pydantic import BaseModel

from .engines import engine_classes
from .tour import Tour
from .translations import Translation

SCHEMA_NAME = "tour.schema.json"
TRANSLATION_SCHEMA_NAME = "translation.schema.json"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$"


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    engine = schema["$defs"]["Voice"]["properties"]["engine"]
    engine["enum"] = ["auto", *(cls.name for cls in engine_classes())]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def tour_schema() -> dict[str, Any]:
    schema = _schema(Tour)
    # YAML reads 1944-08-15 as a date and 1944-08-15T08:00 as text: both are what a tour writes.
    date = schema["$defs"]["Stop"]["properties"]["date"]
    date["anyOf"] = [{"type": "string", "pattern": DATE_PATTERN}, {"type": "null"}]
    return schema


def translation_schema() -> dict[str, Any]:
    return _schema(Translation)


def schema_text(translation: bool = False) -> str:
    schema = translation_schema() if translation else tour_schema()
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


def published_schema(translation: bool = False) -> str:
    """The schema file shipped in the package."""
    name = TRANSLATION_SCHEMA_NAME if translation else SCHEMA_NAME
    return resources.files(__package__).joinpath(name).read_text("utf-8")
