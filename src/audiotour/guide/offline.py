"""sw.js: the service worker, with the list of files it keeps and a version derived from their bytes."""
from __future__ import annotations

import hashlib
import json


def file_hash(data: bytes) -> str:
    """Short content hash; the worker recomputes it to refuse a file that does not match."""
    return hashlib.sha256(data).hexdigest()[:16]


def service_worker(body: str, files: dict[str, str]) -> str:
    """Prefix the worker's code with what it caches; any changed file changes sw.js, so clients update."""
    listing = json.dumps(dict(sorted(files.items())), indent=1, ensure_ascii=True)
    version = hashlib.sha256(listing.encode()).hexdigest()[:16]
    return f'"use strict";\nconst VERSION = "{version}";\nconst FILES = {listing};\n{body}'
