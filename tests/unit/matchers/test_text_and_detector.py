from __future__ import annotations

from pathlib import Path

import pytest

from apiguard.findings import Finding
from apiguard.matchers.detector import LONG_LINE, DetectorMatcher
from apiguard.matchers.text import TextMatcher
from apiguard.rules import Rule, builtin_rules_dir, load_rule_file
from apiguard.target import ScanTarget

# Made-up values in the formats of the two rules below, written in short
# pieces so that this file contains no string that looks like a secret.
STRIPE_KEY = "sk_live_" + "Zq4Xw9Lr2Ty7" + "Ub3Nc8Md5Vp1"
GITHUB_TOKEN = "ghp_" + "Q7wErT9yUi3o" + "Pa5sDf1gHj8k" + "Lz2xCv6bNm0M"


def builtin_rule(rule_id: str) -> Rule:
    (path,) = builtin_rules_dir().glob(f"*/{rule_id}.yaml")
    return load_rule_file(path)


def run_detector(rule_id: str, text: str) -> list[Finding]:
    rule = builtin_rule(rule_id)
    target = ScanTarget(Path("app.min.js"), "app.min.js", text)
    return list(DetectorMatcher().run(rule, target))


def run_text(rule_id: str, text: str) -> list[Finding]:
    rule = builtin_rule(rule_id)
    target = ScanTarget(Path("app.js"), "app.js", text)
    return list(TextMatcher().run(rule, target))


def test_detector_short_line_column() -> None:
    findings = run_detector("secret-stripe-key", f'const k = "{STRIPE_KEY}";\n')
    assert len(findings) == 1
    assert findings[0].region.start_line == 1
    assert findings[0].region.start_column == 12


def test_detector_long_line_window_column() -> None:
    padding = "var a=1;" * (LONG_LINE // 4)
    line = f'{padding}k="{STRIPE_KEY}";{padding}'
    findings = run_detector("secret-stripe-key", "first line\n" + line + "\n")
    assert len(findings) == 1
    region = findings[0].region
    assert region.start_line == 2
    assert region.start_column == len(padding) + 4
    assert region.end_column == region.start_column + len(STRIPE_KEY)


def test_detector_long_line_finds_each_secret() -> None:
    padding = "x=[1,2,3];" * (LONG_LINE // 5)
    second = STRIPE_KEY[:-4] + "Wq2e"
    line = f'a="{STRIPE_KEY}";{padding}b="{second}";'
    findings = run_detector("secret-stripe-key", line)
    columns = sorted(finding.region.start_column for finding in findings)
    assert columns == [4, len(STRIPE_KEY) + len(padding) + 9]


def test_text_match_ascii_column() -> None:
    findings = run_text("secret-github-token", f'token = "{GITHUB_TOKEN}"\n')
    assert [f.region.start_column for f in findings] == [10]


def test_text_match_non_ascii_column() -> None:
    # Columns count code points, so the two-byte characters count once each.
    text = f'// clé: réglée\ntoken = "{GITHUB_TOKEN}" // ünïcode\n'
    findings = run_text("secret-github-token", text)
    assert len(findings) == 1
    region = findings[0].region
    assert (region.start_line, region.start_column) == (2, 10)
    assert region.end_column == 10 + len(GITHUB_TOKEN)


AWS_KEY = "AKIA" + "Q3ZT7WX2" + "KD5NRV4M"
LOGIN_VALUE = "Vq8" + "tLr2" + "Wx9mZk"


@pytest.mark.parametrize(
    ("rule_id", "line"),
    [
        # A call or an index elsewhere on the line hides no token.
        ("secret-aws-access-key", f"key = '{AWS_KEY}'  # else os.environ[KEY]"),
        ("secret-aws-access-key", f"x = 1  # apiguard: ignore[other-rule] {AWS_KEY}"),
        ("secret-stripe-key", f"client = Stripe('{STRIPE_KEY}')"),
        ("secret-keyword-assignment", f'password = "{LOGIN_VALUE}"  # or get_pw()'),
    ],
)
def test_reference_elsewhere_on_line_keeps_secret(rule_id: str, line: str) -> None:
    assert len(run_detector(rule_id, line + "\n")) == 1


@pytest.mark.parametrize(
    "line",
    [
        'password = vault.read("database")',
        "password = request.headers[x_password]",
        "secret = get_secret_key()",
    ],
)
def test_value_that_is_a_reference_is_dropped(line: str) -> None:
    # In a .conf file the keyword plugin reports the call or index itself.
    rule = builtin_rule("secret-keyword-assignment")
    target = ScanTarget(Path("app.conf"), "app.conf", line + "\n")
    assert list(DetectorMatcher().run(rule, target)) == []
