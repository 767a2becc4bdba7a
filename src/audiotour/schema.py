"""The tour file's JSON Schema, generated from the model that validates it.

Published with the package (`tour.schema.json`) so that editors validate and
complete a tour file: VS Code with the YAML extension reads a first line
``# yaml-language-server: $schema=<path or URL of tour.schema.json>``.
The validator stays the model (it also checks files, ids and dates); the
schema is what an editor can know before a build.
"""
from __future__ import annotations

import json
from importlib import resources
from typing import Any

from .engines import engine_classes
from .tour import Tour

SCHEMA_NAME = "tour.schema.json"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$"


def tour_schema() -> dict[str, Any]:
    schema = Tour.model_json_schema()
    engine = schema["$defs"]["Voice"]["properties"]["engine"]
    engine["enum"] = ["auto", *(cls.name for cls in engine_classes())]
    # YAML reads 1944-08-15 as a date and 1944-08-15T08:00 as text: both are what a tour writes.
    date = schema["$defs"]["Stop"]["properties"]["date"]
    date["anyOf"] = [{"type": "string", "pattern": DATE_PATTERN}, {"type": "null"}]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def schema_text() -> str:
    return json.dumps(tour_schema(), ensure_ascii=False, indent=2) + "\n"


def published_schema() -> str:
    """The schema file shipped in the package."""
    return resources.files(__package__).joinpath(SCHEMA_NAME).read_text("utf-8")
