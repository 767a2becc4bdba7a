"""Read a YAML file safely and remember where every value was written.

Validation errors must name a line, so the loader keeps a map from each
value's path (``("stops", 2, "location", "lat")``) to its position. Only
plain, safe YAML is accepted: no custom tags (SafeLoader refuses them), no
anchors or aliases (a tour never needs them, and they allow "billion laughs"
expansion), no duplicate keys (PyYAML silently keeps the last one).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import TourError

MAX_TOUR_BYTES = 2 * 1024 * 1024
"""A tour is text a person writes; anything larger is a mistake or an attack."""

MAX_NODES = 100_000

MAX_DEPTH = 64
"""Lists and mappings nested deeper than this are refused: a tour needs five levels. PyYAML
composes (and Python recurses) once per level, so the limit is checked while scanning and
composing, before any recursion runs deep."""

PathKey = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    line: int
    column: int


@dataclass
class YamlDocument:
    path: Path
    data: Any
    positions: dict[PathKey, Position] = field(default_factory=dict)

    def position_of(self, key: PathKey) -> Position | None:
        """Position of the deepest part of ``key`` that exists in the file."""
        return _nearest(self.positions, key)

    def error(self, key: PathKey, reason: str) -> TourError:
        pos = self.position_of(key)
        return TourError(
            reason,
            path=self.path,
            line=pos.line if pos else None,
            field=format_key(key) or None,
        )


def format_key(key: PathKey) -> str:
    """``("stops", 2, "location")`` → ``stops[2].location``."""
    out = ""
    for part in key:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def load_yaml(path: Path) -> YamlDocument:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_TOUR_BYTES + 1)
    except FileNotFoundError:
        raise TourError("no such file; pass the path of a tour file", path=path) from None
    except IsADirectoryError:
        raise TourError("is a folder; pass the path of a tour file", path=path) from None
    except OSError as exc:
        raise TourError(f"cannot be read: {exc.strerror}", path=path) from None
    if len(raw) > MAX_TOUR_BYTES:
        raise TourError(
            f"is larger than {MAX_TOUR_BYTES // (1024 * 1024)} MiB; a tour file is text, split it",
            path=path,
        )
    if b"\x00" in raw:
        raise TourError("is not a text file (it contains NUL bytes)", path=path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise TourError(
            f"is not UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
            path=path,
            line=line,
        ) from None

    loader = _DepthLimitedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise TourError("is empty; a tour needs at least a title, a description and stops", path=path)
        positions: dict[PathKey, Position] = {}
        _index(node, (), positions, set(), path)
        try:
            data = loader.construct_document(node)
        except (ValueError, OverflowError) as exc:
            # An impossible date (2024-02-30) or a number PyYAML cannot hold.
            raise _construction_error(node, positions, path, exc) from None
    except _TooDeep as exc:
        raise TourError(
            f"values are nested more than {MAX_DEPTH} levels deep; a tour needs a handful "
            "(check for unclosed [ or {)",
            path=path,
            line=exc.mark.line + 1 if exc.mark else None,
            column=exc.mark.column + 1 if exc.mark else None,
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if "could not determine a constructor" in problem or "tag" in problem:
            problem = f"{problem}; YAML tags are not allowed in a tour file"
        raise TourError(
            f"invalid YAML: {problem}",
            path=path,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise TourError(f"invalid YAML: {exc}", path=path) from None
    finally:
        loader.dispose()
    return YamlDocument(path=path, data=data, positions=positions)


class _TooDeep(Exception):
    def __init__(self, mark: yaml.Mark | None) -> None:
        self.mark = mark


class _DepthLimitedLoader(yaml.SafeLoader):
    """SafeLoader that stops at the first value nested deeper than MAX_DEPTH, before recursing further.

    Flow collections (``[[[[``) are counted by the scanner as well: it looks up to 1024
    characters ahead for each opening bracket, which is quadratic long before the composer
    sees the first one.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def fetch_flow_collection_start(self, token_class: type) -> None:
        if self.flow_level >= MAX_DEPTH:
            raise _TooDeep(self.get_mark())
        super().fetch_flow_collection_start(token_class)

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _TooDeep(self.peek_event().start_mark)  # type: ignore[no-untyped-call]
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _construction_error(root: yaml.Node, positions: dict[PathKey, Position], path: Path,
                        exc: Exception) -> TourError:
    """Find the scalar PyYAML could not turn into a value, to name its line and field."""
    stack: list[tuple[yaml.Node, PathKey]] = [(root, ())]
    while stack:
        node, key = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            try:
                yaml.SafeLoader("").construct_object(node)
            except (ValueError, OverflowError):
                return TourError(f"{node.value!r} cannot be read ({exc}); put it in quotes if it is text",
                                 path=path, line=node.start_mark.line + 1, field=format_key(key) or None)
        elif isinstance(node, yaml.MappingNode):
            stack += [(value, key + (k.value,)) for k, value in node.value]
        elif isinstance(node, yaml.SequenceNode):
            stack += [(value, key + (i,)) for i, value in enumerate(node.value)]
    return TourError(f"invalid value ({exc})", path=path)


def _nearest(positions: dict[PathKey, Position], key: PathKey) -> Position | None:
    for end in range(len(key), -1, -1):
        if key[:end] in positions:
            return positions[key[:end]]
    return None


def _index(
    node: yaml.Node,
    key: PathKey,
    positions: dict[PathKey, Position],
    seen: set[int],
    path: Path,
) -> None:
    if id(node) in seen:
        # The composer resolves an alias to the very node it names.
        raise TourError(
            "anchors and aliases (& and *) are not allowed in a tour file; write the value out",
            path=path,
            line=nearest.line if (nearest := _nearest(positions, key)) else node.start_mark.line + 1,
            field=format_key(key) or None,
        )
    seen.add(id(node))
    if len(seen) > MAX_NODES:
        raise TourError(f"has more than {MAX_NODES} values; a tour file is not that large", path=path)
    positions[key] = Position(node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        names: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise TourError(
                    "a key must be plain text",
                    path=path,
                    line=key_node.start_mark.line + 1,
                    field=format_key(key) or None,
                )
            name = key_node.value
            if key_node.tag == "tag:yaml.org,2002:merge" or name == "<<":
                raise TourError(
                    "merge keys (<<) are not allowed in a tour file; write the keys out",
                    path=path,
                    line=key_node.start_mark.line + 1,
                    field=format_key(key) or None,
                )
            if name in names:
                raise TourError(
                    f"duplicate key {name!r}; each key may appear once",
                    path=path,
                    line=key_node.start_mark.line + 1,
                    field=format_key(key + (name,)),
                )
            names.add(name)
            positions[key + (name,)] = Position(key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _index(value_node, key + (name,), positions, seen, path)
            positions[key + (name,)] = Position(key_node.start_mark.line + 1, key_node.start_mark.column + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index(item, key + (index,), positions, seen, path)
