"""Unique ids for findings, shared by the GitLab report formats."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence

from apiguard.findings import Finding


def occurrence_ids(findings: Sequence[Finding]) -> list[str]:
    """Return a 32-hex-digit id per finding, unique within the report.

    A finding's fingerprint hashes its rule, path and matched text, so two
    equal matches in one file share it. GitLab needs a unique id, so the
    count of earlier findings with the same fingerprint is hashed in too.
    The id does not change when lines move, as long as equal matches keep
    their order in the file.
    """
    seen: Counter[str] = Counter()
    ids: list[str] = []
    for finding in findings:
        occurrence = seen[finding.fingerprint]
        seen[finding.fingerprint] += 1
        text = f"{finding.fingerprint}\0{occurrence}"
        ids.append(hashlib.sha256(text.encode()).hexdigest()[:32])
    return ids
