"""The reference stays true: the published schema, the docs, the README's commands."""
from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from audiotour.cli import cli
from audiotour.schema import published_schema, schema_text

ROOT = Path(__file__).resolve().parents[1]


def test_the_published_schemas_are_the_models() -> None:
    # After changing the model: .venv/bin/audiotour schema > src/audiotour/tour.schema.json
    assert published_schema() == schema_text()
    # and .venv/bin/audiotour schema --translation > src/audiotour/translation.schema.json
    assert published_schema(translation=True) == schema_text(translation=True)
    assert CliRunner().invoke(cli, ["schema", "--translation"]).output == schema_text(translation=True)


def as_editors_read(value: object) -> object:
    """YAML 1.2, as editors read it, has no date type: 1944-08-20 is text there (PyYAML's 1.1 makes a date)."""
    if isinstance(value, dict):
        return {k: as_editors_read(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_editors_read(v) for v in value]
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def test_the_shipped_tour_and_the_test_tours_validate_against_the_schema() -> None:
    schema = yaml.safe_load(published_schema())
    for path in [ROOT / "tour.yml", ROOT / "tests/data/mini.yml", ROOT / "tests/data/publish/tour.yml"]:
        jsonschema.validate(as_editors_read(yaml.safe_load(path.read_text("utf-8"))), schema)


def test_the_translations_validate_against_their_schema() -> None:
    schema = yaml.safe_load(published_schema(translation=True))
    for path in [ROOT / "tour.en.yml", ROOT / "tests/data/translations/tour.en.yml"]:
        jsonschema.validate(as_editors_read(yaml.safe_load(path.read_text("utf-8"))), schema)
    # What a translator may not set, the schema refuses too (an editor underlines it).
    for bad in ("location", "author", "intro-music", "link-url", "way-mode"):
        given = yaml.safe_load((ROOT / f"tests/data/translations/bad/{bad}.yml").read_text("utf-8"))
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(as_editors_read(given), schema)


@pytest.mark.parametrize("bad", [{"title": "T"}, {"title": "T", "description": "D", "stops": [], "colour": 1},
                                 {"title": "T", "description": "D", "voice": {"engine": "polly"},
                                  "stops": [{"title": "S", "narration": "N"}]}])
def test_the_schema_refuses_what_the_model_refuses(bad: dict[str, object]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, yaml.safe_load(published_schema()))


def test_the_shipped_tour_points_editors_at_the_schema() -> None:
    first = (ROOT / "tour.yml").read_text("utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=src/audiotour/tour.schema.json"
    first = (ROOT / "tour.en.yml").read_text("utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=src/audiotour/translation.schema.json"


def test_every_tour_field_is_in_the_reference() -> None:
    reference = (ROOT / "docs" / "tour-file.md").read_text("utf-8")
    fields: set[str] = set()
    for schema in (yaml.safe_load(published_schema()), yaml.safe_load(published_schema(translation=True))):
        fields |= set(schema["properties"])
        for definition in schema["$defs"].values():
            fields |= set(definition.get("properties", {}))
    missing = sorted(f for f in fields if not re.search(rf"`{re.escape(f)}`", reference))
    assert missing == []


def test_every_command_is_documented_with_help() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    for name in cli.commands:
        assert f"audiotour {name}" in readme
        assert CliRunner().invoke(cli, [name, "--help"]).exit_code == 0
