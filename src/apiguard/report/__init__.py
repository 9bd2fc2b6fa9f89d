"""Output formats, one module each, listed in REPORTERS by format name."""

from __future__ import annotations

import importlib
from typing import Protocol

from apiguard.result import ScanResult


class Renderer(Protocol):
    def __call__(self, result: ScanResult, *, color: bool = False) -> str: ...


# Format name to module; each module has `render(result, *, color=False)`.
# Modules are imported when their format is asked for, to keep start-up fast.
REPORTERS: dict[str, str] = {
    "text": "apiguard.report.text",
    "json": "apiguard.report.json",
    "sarif": "apiguard.report.sarif",
    "github": "apiguard.report.github",
    "gitlab-codequality": "apiguard.report.gitlab_codequality",
    "gitlab-sast": "apiguard.report.gitlab_sast",
    "junit": "apiguard.report.junit",
}


def renderer(format_name: str) -> Renderer:
    module = importlib.import_module(REPORTERS[format_name])
    render: Renderer = module.render
    return render
