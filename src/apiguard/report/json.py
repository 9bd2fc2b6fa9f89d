"""Machine-readable output: findings and problems as one JSON object."""

from __future__ import annotations

import json
from typing import Any

from apiguard import __version__
from apiguard.findings import finding_data, notification_data
from apiguard.result import ScanResult

FORMAT_VERSION = 1


def render(result: ScanResult, *, color: bool = False) -> str:
    document: dict[str, Any] = {
        "formatVersion": FORMAT_VERSION,
        "tool": {"name": "apiguard", "version": __version__},
        "root": str(result.root),
        "trusted": result.trusted,
        "filesScanned": result.files_scanned,
        "durationSeconds": round(result.duration_seconds, 3),
        "findings": [_finding(finding_data(f)) for f in result.findings],
        "notifications": [notification_data(note) for note in result.notifications],
        "suppressedCount": len(result.suppressed),
        "baselinedCount": len(result.baselined),
    }
    if result.show_suppressed:
        document["suppressed"] = [_finding(finding_data(f)) for f in result.suppressed]
    return _layout(document) + "\n"


def _layout(document: dict[str, Any]) -> str:
    """Write `document` with one key a line, and one item a line in lists.

    json.dumps with `indent` runs the pure-Python encoder, which took most of
    a large report's time. Each item here goes through the C encoder.
    """
    lines = []
    for key, value in document.items():
        name = json.dumps(key)
        if isinstance(value, list) and value:
            items = ",\n".join(
                "    " + json.dumps(item, ensure_ascii=False) for item in value
            )
            lines.append(f"  {name}: [\n{items}\n  ]")
        else:
            lines.append(f"  {name}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n" + ",\n".join(lines) + "\n}"


def _finding(raw: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in raw.items() if value not in (None, {})}
