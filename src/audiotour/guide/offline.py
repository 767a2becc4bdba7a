"""sw.js: the service worker, with the files it keeps for the visit and a version derived from them.

The worker names its cache by that version (a new build, a new cache), keeps
the page itself at once (the shell) and everything else when the visitor asks
for the download; it checks every file against its hash and size here.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

SHELL = {"index.html", "app.js", "style.css", "manifest.webmanifest", "leaflet.js", "leaflet.css"}
"""Kept as soon as the page is first opened, so that it opens without a network: small, no audio."""

RECORD = "manifest.json"
"""The build record, written after the guide: downloaded too, checked against the segments' sizes."""


def file_hash(data: bytes) -> str:
    """Short content hash; the worker recomputes it to refuse a file that does not match."""
    return hashlib.sha256(data).hexdigest()[:16]


def listing(folder: Path, names: list[str]) -> dict[str, tuple[str, int]]:
    """Each published file's hash and size, read back from the output folder."""
    entries: dict[str, tuple[str, int]] = {}
    for name in names:
        content = (folder / name).read_bytes()
        entries[name] = (file_hash(content), len(content))
    return entries


def download_summary(files: dict[str, tuple[str, int]]) -> dict[str, Any]:
    """For the page's button before its worker runs: how many files and bytes, index.html and the record aside."""
    return {"files": len(files), "bytes": sum(size for _, size in files.values())}


def service_worker(body: str, files: dict[str, tuple[str, int]], shell: list[str]) -> str:
    """Prefix the worker's code with what it caches; any changed file changes sw.js, so clients update."""
    entries = {name: list(entry) for name, entry in sorted(files.items())}
    text = json.dumps(entries, indent=None, separators=(",", ":"), ensure_ascii=True).replace('],"', '],\n"')
    version = hashlib.sha256(text.encode()).hexdigest()[:16]
    return (f'"use strict";\nconst VERSION = "{version}";\nconst RECORD = "{RECORD}";\n'
            f"const SHELL = {json.dumps(sorted(shell))};\nconst FILES = {text};\n{body}")
