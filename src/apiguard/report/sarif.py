"""Render a scan result as a SARIF 2.1.0 log for GitHub code scanning."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from apiguard import __version__

if TYPE_CHECKING:
    from apiguard.findings import Finding, Notification, Region
    from apiguard.result import ScanResult
    from apiguard.rules import Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://github.com/apiguard-lint/apiguard"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "apiguard/v1"

# An id that ends with "/" names only a category. Code scanning keeps the
# analyses of different categories of one commit apart.
AUTOMATION_ID = "apiguard/scan/"

LEVELS = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "note",
    "info": "note",
}

# GitHub code scanning shows a score over 9.0 as critical, 7.0 to 8.9 as high,
# 4.0 to 6.9 as medium and 3.9 or less as low, so info also shows as low.
SECURITY_SEVERITY = {
    "critical": "9.5",
    "high": "8.0",
    "medium": "5.5",
    "low": "3.0",
    "info": "1.0",
}

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def render(result: ScanResult, *, color: bool = False) -> str:
    """Return `result` as SARIF JSON text, indented 2, ending with a newline.

    Keys are sorted and results are ordered by place, so one scan renders
    to the same text every time. `color` is accepted for the common reporter
    signature and ignored, because SARIF is read by programs.
    """
    rules = sorted(result.rules, key=lambda rule: rule.id)
    rule_indexes = {rule.id: index for index, rule in enumerate(rules)}
    shown = result.findings + (result.suppressed if result.show_suppressed else [])
    findings = sorted(shown, key=_finding_order)

    run = _new(
        "Run",
        tool=_tool(rules),
        results=[_result(finding, rule_indexes) for finding in findings],
        invocations=[_invocation(result)],
        original_uri_base_ids={SRCROOT: _root_location(result.root)},
        column_kind="unicodeCodePoints",
        automation_details=_new("RunAutomationDetails", id=AUTOMATION_ID),
    )
    log = _new(
        "SarifLog",
        schema_uri=SCHEMA_URI,
        version=SARIF_VERSION,
        runs=[run],
    )
    return json.dumps(_to_json(log), indent=2, sort_keys=True) + "\n"


def _new(class_name: str, **values: Any) -> Any:
    """Create a sarif_om object in which only the fields in `values` are set.

    sarif_om fills unset fields with schema defaults such as `rank: -1` and
    `charOffset: -1`. Setting them to None keeps them out of the output, so
    the log has exactly the fields that this module chose. sarif_om is
    imported here, on the first call, to keep it out of start-up time.
    """
    import attr
    import sarif_om

    cls = getattr(sarif_om, class_name)
    unset = {field.name: None for field in attr.fields(cls)}
    return cls(**(unset | values))


def _to_json(value: Any) -> Any:
    """Convert sarif_om objects to JSON values under their SARIF names.

    Every field that is not None is kept, even one equal to a schema default
    such as `level: warning`. Dict keys, as in property bags, are kept as
    they are.
    """
    import attr

    if attr.has(type(value)):
        return {
            field.metadata["schema_property_name"]: _to_json(getattr(value, field.name))
            for field in attr.fields(type(value))
            if getattr(value, field.name) is not None
        }
    if isinstance(value, Mapping):
        return {key: _to_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_json(item) for item in value]
    return value


def _tool(rules: list[Rule]) -> Any:
    driver = _new(
        "ToolComponent",
        name="apiguard",
        version=__version__,
        semantic_version=__version__,
        information_uri=INFORMATION_URI,
        rules=[_rule_descriptor(rule) for rule in rules],
    )
    return _new("Tool", driver=driver)


def _rule_descriptor(rule: Rule) -> Any:
    return _new(
        "ReportingDescriptor",
        id=rule.id,
        name=_pascal_case(rule.id),
        short_description=_multiformat_text(rule.title),
        full_description=_multiformat_text(_first_paragraph(rule.help) or rule.title),
        help=_multiformat_text(_help_text(rule), _help_markdown(rule)),
        help_uri=rule.help_uri,
        default_configuration=_new(
            "ReportingConfiguration", level=LEVELS[rule.severity]
        ),
        properties={
            "category": rule.category,
            "tags": _rule_tags(rule),
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "precision": "high",
        },
    )


def _pascal_case(rule_id: str) -> str:
    """Turn a kebab-case id such as `openapi-server-http` into `OpenapiServerHttp`."""
    return "".join(part.capitalize() for part in rule_id.split("-"))


def _first_paragraph(markdown: str) -> str:
    """Return the first paragraph of `markdown` as one line of text."""
    paragraph = _PARAGRAPH_BREAK.split(markdown.strip(), maxsplit=1)[0]
    return " ".join(paragraph.split())


def _help_text(rule: Rule) -> str:
    sections = [rule.help.strip(), f"Remediation:\n{rule.remediation.strip()}"]
    if rule.references:
        links = "\n".join(f"- {uri}" for uri in rule.references)
        sections.append(f"References:\n{links}")
    return "\n\n".join(sections)


def _help_markdown(rule: Rule) -> str:
    sections = [rule.help.strip(), f"## Remediation\n\n{rule.remediation.strip()}"]
    if rule.references:
        links = "\n".join(f"- <{uri}>" for uri in rule.references)
        sections.append(f"## References\n\n{links}")
    return "\n\n".join(sections)


def _rule_tags(rule: Rule) -> list[str]:
    """List the rule's tags without repeats: security, category, CWE, OWASP, own."""
    tags = ["security", rule.category]
    tags.extend(f"external/cwe/cwe-{number}" for number in rule.cwe)
    tags.extend(_owasp_tag(owasp_id) for owasp_id in rule.owasp)
    tags.extend(rule.tags)
    return list(dict.fromkeys(tags))


def _owasp_tag(owasp_id: str) -> str:
    """Turn an OWASP API Top 10 id such as `API8:2023` into a tag.

    The tag follows the `external/cwe/cwe-N` form: `external/owasp/api8-2023`.
    """
    return "external/owasp/" + owasp_id.lower().replace(":", "-")


def _finding_order(finding: Finding) -> tuple[str, int, int, str, int, int, str]:
    region = finding.region
    return (
        finding.path,
        region.start_line,
        region.start_column,
        finding.rule_id,
        region.end_line,
        region.end_column,
        finding.fingerprint,
    )


def _result(finding: Finding, rule_indexes: Mapping[str, int]) -> Any:
    if finding.rule_id not in rule_indexes:
        raise ValueError(
            f"rule {finding.rule_id!r} not found in ScanResult.rules, but a "
            f"finding in {finding.path} names it. Include every rule that "
            "produced a finding."
        )
    physical = _physical_location(finding.path, finding.region, finding.snippet)
    return _new(
        "Result",
        rule_id=finding.rule_id,
        rule_index=rule_indexes[finding.rule_id],
        level=LEVELS[finding.severity],
        message=_text(finding.message),
        locations=[_new("Location", physical_location=physical)],
        partial_fingerprints={FINGERPRINT_KEY: finding.fingerprint},
        properties=_result_properties(finding),
        suppressions=_suppressions(finding),
    )


def _suppressions(finding: Finding) -> list[Any] | None:
    """Mark a suppressed finding as suppressed in the source, with its reason."""
    if finding.suppression is None:
        return None
    justification = finding.suppression or None
    return [_new("Suppression", kind="inSource", justification=justification)]


def _result_properties(finding: Finding) -> dict[str, str]:
    """Merge the finding's own properties with its severity and secret hash."""
    properties = dict(finding.properties)
    properties["severity"] = finding.severity
    if finding.secret_hash:
        properties["secretHash"] = finding.secret_hash
    return properties


def _physical_location(path: str, region: Region | None, snippet: str = "") -> Any:
    """Locate a region; the flagged line, redacted, goes in the context region.

    SARIF's `region.snippet` is the region's own text, which for a secret is
    the secret, so the line is given as `contextRegion.snippet` instead.
    """
    sarif_region = context = None
    if region is not None:
        sarif_region = _region(region)
        if snippet:
            context = _new(
                "Region",
                start_line=region.start_line,
                end_line=region.start_line,
                snippet=_new("ArtifactContent", text=snippet),
            )
    return _new(
        "PhysicalLocation",
        artifact_location=_artifact_location(path),
        region=sarif_region,
        context_region=context,
    )


def _artifact_location(path: str) -> Any:
    """Locate `path`: relative to %SRCROOT%, or as a file URI when absolute."""
    if Path(path).is_absolute():
        return _new("ArtifactLocation", uri=Path(path).as_uri())
    return _new("ArtifactLocation", uri=quote(path, safe="/"), uri_base_id=SRCROOT)


def _region(region: Region) -> Any:
    return _new(
        "Region",
        start_line=region.start_line,
        start_column=region.start_column,
        end_line=region.end_line,
        end_column=region.end_column,
    )


def _root_location(root: Path) -> Any:
    """Locate the scan root as a file URI that ends with a slash."""
    uri = root.absolute().as_uri()
    if not uri.endswith("/"):
        uri += "/"
    return _new("ArtifactLocation", uri=uri)


def _invocation(result: ScanResult) -> Any:
    command_line = None
    if result.command_line:
        command_line = shlex.join(result.command_line)
    notifications = sorted(result.notifications, key=_notification_order)
    return _new(
        "Invocation",
        execution_successful=result.trusted,
        command_line=command_line,
        tool_execution_notifications=[_notification(note) for note in notifications],
        properties={"filesScanned": result.files_scanned},
    )


def _notification_order(
    notification: Notification,
) -> tuple[str, tuple[int, ...], str, str]:
    region = notification.region
    position = () if region is None else (region.start_line, region.start_column)
    return (notification.path or "", position, notification.code, notification.message)


def _notification(notification: Notification) -> Any:
    locations = None
    if notification.path is not None:
        physical = _physical_location(notification.path, notification.region)
        locations = [_new("Location", physical_location=physical)]
    return _new(
        "Notification",
        descriptor=_new("ReportingDescriptorReference", id=notification.code),
        level=notification.level,
        message=_text(notification.message),
        locations=locations,
    )


def _text(text: str) -> Any:
    return _new("Message", text=text)


def _multiformat_text(text: str, markdown: str | None = None) -> Any:
    return _new("MultiformatMessageString", text=text, markdown=markdown)
