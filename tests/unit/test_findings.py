from __future__ import annotations

from dataclasses import asdict

from apiguard.findings import (
    Finding,
    Notification,
    Region,
    finding_data,
    notification_data,
)


def test_finding_data_has_every_field() -> None:
    finding = Finding(
        rule_id="rule",
        path="a/b.yaml",
        region=Region(1, 2, 3, 4),
        message="message",
        severity="low",
        fingerprint="print",
        snippet="line",
        secret_hash="sha256:00",
        properties={"key": "value"},
        suppression="reason",
    )
    assert finding_data(finding) == asdict(finding)


def test_notification_data_has_every_field() -> None:
    with_region = Notification("code", "error", "message", "a.yaml", Region(1, 1, 1, 2))
    without = Notification("code", "note", "message")

    assert notification_data(with_region) == asdict(with_region)
    assert notification_data(without) == asdict(without)
