"""No output of `apiguard scan` shows a secret that a secret rule found.

One value per built-in secret rule is planted in a temporary git repository.
The values are made at random at test time in the shape of the real thing,
so none of them is a working credential. The CLI runs once per output format
(text, json, sarif, and text with -vv), and each planted value must be
absent from stdout and stderr.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import string
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from apiguard.findings import SEVERITIES
from apiguard.rules import load_rules
from tests_support import git

ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
BASE64URL = ALNUM + "-_"

# Output runs: the name used in test ids, and the extra CLI arguments.
RUNS = {
    "text": ("-f", "text"),
    "json": ("-f", "json"),
    "sarif": ("-f", "sarif"),
    "text-vv": ("-f", "text", "-vv"),
}


def random_text(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def random_base64(size: int) -> str:
    return base64.b64encode(secrets.token_bytes(size)).decode()


def random_base64url(size: int) -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(size)).rstrip(b"=").decode()


def wrap(text: str, width: int = 64) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)]


@dataclass(frozen=True)
class Plant:
    """A file with one secret. `random_part` is the part that no output may show."""

    path: str
    content: str
    random_part: str


def _pem(kind: str, body: str) -> str:
    return "\n".join(
        [f"-----BEGIN {kind}-----", *wrap(body), f"-----END {kind}-----", ""]
    )


def _plant_private_key() -> Plant:
    body = random_base64(600)
    return Plant("certs/server.key", _pem("RSA PRIVATE KEY", body), body)


# The escaped, base64 and JWK plants put their secret on a line longer than
# the 200-character snippet of a finding, so the snippet is cut around it.


def _plant_private_key_escaped() -> Plant:
    body = random_base64(600)
    key = _pem("PRIVATE KEY", body)
    document = {"type": "service_account", "private_key": key}
    return Plant("gcp/key.json", json.dumps(document) + "\n", body)


def _plant_private_key_base64() -> Plant:
    encoded = base64.b64encode(_pem("EC PRIVATE KEY", random_base64(90)).encode())
    value = encoded.decode()
    return Plant("ci/deploy.env", f"DEPLOY_KEY_B64={value}\n", value)


def _plant_private_key_putty() -> Plant:
    public = wrap(random_base64(51))
    private = wrap(random_base64(36))
    lines = [
        "PuTTY-User-Key-File-3: ssh-ed25519",
        "Encryption: none",
        "Comment: eddsa-key-jump-host",
        f"Public-Lines: {len(public)}",
        *public,
        f"Private-Lines: {len(private)}",
        *private,
        f"Private-MAC: {random_text(HEX, 64)}",
    ]
    return Plant("keys/jump.ppk", "\n".join(lines) + "\n", "".join(private))


def _plant_private_key_jwk() -> Plant:
    d = random_base64url(256)
    jwk = {"kty": "RSA", "n": random_base64url(256), "e": "AQAB", "d": d}
    return Plant("auth/jwk.json", json.dumps(jwk) + "\n", d)


def _plant_jwt() -> Plant:
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=")
    claims = {"sub": random_text(ALNUM, 12), "iat": 1716000000}
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    signature = random_base64url(32)
    token = f"{header.decode()}.{payload.decode()}.{signature}"
    return Plant("scripts/export.sh", f'TOKEN="{token}"\n', token)


def _plant_azure_storage_key() -> Plant:
    key = random_text(ALNUM + "+/", 86) + "=="
    connection = (
        f"DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={key};"
        "EndpointSuffix=core.windows.net"
    )
    return Plant("appsettings.json", json.dumps({"Blobs": connection}) + "\n", key)


def _plant_kubernetes_secret() -> Plant:
    token = random_text(ALNUM, 28)
    manifest = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: orders\n"
        f"stringData:\n  api-token: {token}\n"
    )
    return Plant("deploy/secret.yaml", manifest, token)


def _plant_line(
    path: str, template: str, value: str, prefix: str = ""
) -> Callable[[], Plant]:
    """Return a planter for a one-line file with `prefix` + `value` at `{}`.

    `prefix` is a constant part of the format, such as a vendor's marker, that
    the rule's help text may show.
    """
    return lambda: Plant(path, template.format(prefix + value) + "\n", value)


def _planters() -> dict[str, Callable[[], Plant]]:
    """Return one planter per built-in secret rule, except the OpenAPI one."""
    return {
        "secret-artifactory-token": _plant_line(
            "gradle.properties",
            "artifactory_password={}",
            "AKC" + random_text(ALNUM, 70),
        ),
        "secret-aws-access-key": _plant_line(
            "deploy/aws.properties",
            "aws.accessKeyId={}",
            "AKIA" + random_text(string.ascii_uppercase + string.digits, 16),
        ),
        "secret-azure-storage-key": _plant_azure_storage_key,
        "secret-cloudant-credentials": _plant_line(
            "cloudant.ini", "cloudant_password = {}", random_text(HEX, 64)
        ),
        "secret-discord-bot-token": _plant_line(
            "bot/config.json",
            '{{"token": "{}"}}',
            "M"
            + random_text(BASE64URL, 23)
            + "."
            + random_text(BASE64URL, 6)
            + "."
            + random_text(BASE64URL, 27),
        ),
        "secret-github-token": _plant_line(
            "ci.yml", "GH_TOKEN: {}", "ghp_" + random_text(ALNUM, 36)
        ),
        "secret-gitlab-token": _plant_line(
            ".gitlab-ci.yml", 'TOKEN: "{}"', "glpat-" + random_text(ALNUM, 20)
        ),
        "secret-high-entropy-base64": _plant_line(
            "config/session.yaml", 'encryption_key: "{}"', random_base64(32)
        ),
        "secret-high-entropy-hex": _plant_line(
            "config/webhooks.yaml", 'signing_key: "{}"', random_text(HEX, 64)
        ),
        "secret-ibm-cloud-iam-key": _plant_line(
            "terraform.tfvars",
            'ibm_cloud_iam_api_key = "{}"',
            random_text(ALNUM, 44),
        ),
        "secret-ibm-cos-hmac-key": _plant_line(
            "storage.yaml", "cos_hmac_secret_access_key: {}", random_text(HEX, 48)
        ),
        "secret-jwt": _plant_jwt,
        "secret-keyword-assignment": _plant_line(
            "app/config.py", 'DATABASE_PASSWORD = "{}"', random_text(ALNUM, 18)
        ),
        "secret-mailchimp-key": _plant_line(
            "newsletter.yaml", "mailchimp_key: {}", random_text(HEX, 32) + "-us14"
        ),
        "secret-npm-token": _plant_line(
            ".npmrc",
            "//registry.npmjs.org/:_authToken={}",
            "npm_" + random_text(ALNUM, 36),
        ),
        "secret-openai-key": _plant_line(
            "assistant.env",
            "OPENAI_API_KEY={}",
            "sk-" + random_text(ALNUM, 20) + "T3BlbkFJ" + random_text(ALNUM, 20),
        ),
        "secret-private-key": _plant_private_key,
        "secret-private-key-base64": _plant_private_key_base64,
        "secret-private-key-escaped": _plant_private_key_escaped,
        "secret-private-key-jwk": _plant_private_key_jwk,
        "secret-private-key-putty": _plant_private_key_putty,
        "secret-pypi-token": _plant_line(
            ".pypirc",
            "password = {}",
            random_text(BASE64URL, 100),
            prefix="pypi-AgEIcHlwaS5vcmc",
        ),
        "secret-sendgrid-key": _plant_line(
            "mailer.py",
            'SENDGRID = "{}"',
            "SG." + random_text(BASE64URL, 22) + "." + random_text(BASE64URL, 43),
        ),
        "secret-slack-token": _plant_line(
            "notify.env",
            "SLACK_BOT_TOKEN={}",
            f"xoxb-{random_text(string.digits, 12)}-{random_text(string.digits, 13)}-"
            + random_text(ALNUM, 24),
        ),
        "secret-softlayer-key": _plant_line(
            "softlayer.cfg",
            "softlayer_api_key = {}",
            random_text(string.ascii_lowercase + string.digits, 64),
        ),
        "secret-square-oauth-secret": _plant_line(
            "square.yaml",
            "application_secret: {}",
            "sq0csp-" + random_text(BASE64URL, 43),
        ),
        "secret-stripe-key": _plant_line(
            "billing.py", 'STRIPE = "{}"', "sk_live_" + random_text(ALNUM, 24)
        ),
        "secret-telegram-bot-token": _plant_line(
            "bot.env",
            "TELEGRAM_BOT_TOKEN={}",
            "7" + random_text(string.digits, 9) + ":AA" + random_text(BASE64URL, 33),
        ),
        "secret-twilio-key": _plant_line(
            "sms.yaml", "account_sid: {}", "AC" + random_text(HEX, 32)
        ),
        "secret-url-credentials": _plant_line(
            ".env",
            "DATABASE_URL=postgres://orders:{}@db.internal:5432/orders",
            random_text(ALNUM, 20),
        ),
        "kubernetes-secret-literal-data": _plant_kubernetes_secret,
        "kong-consumer-inline-credential": _plant_line(
            "kong/kong.yaml",
            "_format_version: '3.0'\nconsumers:\n  - username: mobile\n"
            "    keyauth_credentials:\n      - key: {}",
            random_text(ALNUM, 24),
        ),
        "compose-env-literal-secret": _plant_line(
            "compose.yaml",
            "services:\n  api:\n    image: example/api\n"
            "    environment:\n      JWT_SECRET: {}",
            random_text(ALNUM, 24),
        ),
    }


def _plant_openapi() -> Plant:
    key = random_text(ALNUM, 32)
    spec = f"""\
openapi: 3.0.3
info:
  title: Orders
  version: 1.0.0
components:
  securitySchemes:
    apiKey:
      type: apiKey
      in: header
      name: X-API-Key
security:
  - apiKey: []
paths:
  /orders:
    get:
      parameters:
        - name: X-API-Key
          in: header
          schema:
            type: string
          example: {key}
      responses:
        "200":
          description: The orders
"""
    return Plant("api/openapi.yaml", spec, key)


OPENAPI_RULE = "openapi-credential-in-example"


@cache
def _plants() -> dict[str, Plant]:
    plants = {rule_id: plant() for rule_id, plant in _planters().items()}
    plants[OPENAPI_RULE] = _plant_openapi()
    return plants


def _secret_rule_ids() -> list[str]:
    return sorted(rule.id for rule in load_rules([], builtin=True) if rule.secret)


@dataclass(frozen=True)
class Run:
    stdout: str
    stderr: str
    fired: frozenset[str]


@pytest.fixture(scope="module")
def scan_output(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str, str], Run]:
    """Return a function that scans a repository of plants, once per output."""
    runs: dict[tuple[str, str], Run] = {}

    def output(group: str, run_name: str) -> Run:
        if (group, run_name) not in runs:
            repo = _make_repo(tmp_path_factory.mktemp(group), group)
            runs[(group, run_name)] = _run(repo, run_name)
        return runs[(group, run_name)]

    return output


def _group(rule_id: str) -> str:
    # The OpenAPI rule needs the OpenAPI model. A separate repository keeps a
    # problem there from hiding the results of the other rules.
    return "openapi" if rule_id == OPENAPI_RULE else "files"


def _make_repo(path: Path, group: str) -> Path:
    git(path, "init", "-q", "-b", "main")
    for rule_id, plant in _plants().items():
        if _group(rule_id) != group:
            continue
        target = path / plant.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(plant.content, encoding="utf-8")
    return path


def _run(repo: Path, run_name: str) -> Run:
    env = {**os.environ, "NO_COLOR": "1"}
    completed = subprocess.run(
        [sys.executable, "-m", "apiguard", "scan", *RUNS[run_name]],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return Run(completed.stdout, completed.stderr, _fired(completed.stdout, run_name))


def _fired(stdout: str, run_name: str) -> frozenset[str]:
    """Return the ids of the rules with at least one finding in `stdout`."""
    if run_name == "json":
        document = json.loads(stdout)
        return frozenset(finding["rule_id"] for finding in document["findings"])
    if run_name == "sarif":
        log = json.loads(stdout)
        return frozenset(result["ruleId"] for result in log["runs"][0]["results"])
    # Text lines read `path:line:col severity rule-id message`.
    fired = set()
    for line in stdout.splitlines():
        words = line.split()
        if len(words) >= 3 and words[1] in SEVERITIES:
            fired.add(words[2])
    return frozenset(fired)


def test_every_secret_rule_has_a_plant() -> None:
    assert sorted(_plants()) == _secret_rule_ids()


@pytest.mark.parametrize("run_name", sorted(RUNS))
@pytest.mark.parametrize("rule_id", _secret_rule_ids())
def test_planted_secret_not_in_output(
    rule_id: str, run_name: str, scan_output: Callable[[str, str], Run]
) -> None:
    plant = _plants()[rule_id]
    run = scan_output(_group(rule_id), run_name)

    assert rule_id in run.fired, run.stderr[-2000:]
    assert plant.random_part not in run.stdout
    assert plant.random_part not in run.stderr


def _shown_pieces(secret: str, output: str, size: int = 12) -> list[str]:
    """Return the `size`-character pieces of `secret` after its first 4 in `output`."""
    pieces = {secret[i : i + size] for i in range(4, len(secret) - size + 1)}
    return sorted(piece for piece in pieces if piece in output)


@pytest.mark.parametrize("run_name", sorted(RUNS))
@pytest.mark.parametrize("rule_id", _secret_rule_ids())
def test_no_part_of_secret_in_output(
    rule_id: str, run_name: str, scan_output: Callable[[str, str], Run]
) -> None:
    plant = _plants()[rule_id]
    run = scan_output(_group(rule_id), run_name)

    assert rule_id in run.fired, run.stderr[-2000:]
    assert _shown_pieces(plant.random_part, run.stdout) == []
    assert _shown_pieces(plant.random_part, run.stderr) == []


def test_two_secrets_on_one_line(tmp_path: Path) -> None:
    password = random_text(ALNUM, 18)
    stripe_key = random_text(ALNUM, 24)
    line = json.dumps({"db_password": password, "stripe": "sk_live_" + stripe_key})
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "config.json").write_text(line + "\n", encoding="utf-8")

    run = _run(tmp_path, "json")

    assert "secret-keyword-assignment" in run.fired
    assert "secret-stripe-key" in run.fired
    assert password not in run.stdout
    assert stripe_key not in run.stdout


# Problem messages quote what they fail on: a duplicate key, a value that the
# OpenAPI schema rejects, a rule's error. None of them may show a secret,
# whether a secret rule found it or not. These runs use the forked command
# line of tests/hostile, which keeps a monkeypatched hook.


@dataclass(frozen=True)
class ErrorPlant:
    files: dict[str, str]
    secret: str
    expect: str
    """A notification code or rule id that the output must show."""
    args: tuple[str, ...] = ()


def _openapi_spec(body: str) -> str:
    return "openapi: 3.0.3\ninfo: {title: Orders, version: '1'}\n" + body


@cache
def _error_plants() -> dict[str, ErrorPlant]:
    token = "ghp_" + random_text(ALNUM, 36)
    word = random_text(ALNUM, 24)
    password = random_text(ALNUM, 20)
    operation = "      responses: {'200': {description: ok}}\n"
    enum_paths = (
        "paths:\n  /a:\n    get:\n      parameters:\n"
        f"        - {{name: q, in: {word}}}\n{operation}"
    )
    operation_ids = (
        f"paths:\n  /a:\n    get:\n      operationId: {word}\n{operation}"
        f"    put:\n      operationId: {word}\n{operation}"
    )
    servers = (
        f"paths: {{}}\nservers:\n  - url: http://deploy:{password}@api.acme-corp.io\n"
    )
    suppressed = (
        "url: http://orders.acme-corp.io  "
        f"# apiguard: ignore[config-http-url] was {token}\n"
    )
    return {
        "parse-error-yaml": ErrorPlant(
            {"broken.yaml": f"token: {token}\nlist: [unclosed\n"}, token, "parse-error"
        ),
        "parse-error-tag": ErrorPlant(
            {"broken.yaml": f"a: !{token}!x value\n"}, token, "parse-error"
        ),
        "parse-error-json": ErrorPlant(
            {"broken.json": f'{{"token": "{token}",}}'}, token, "parse-error"
        ),
        "duplicate-key": ErrorPlant(
            {"dup.yaml": f"{token}: 1\n{token}: 2\n"}, token, "duplicate-key"
        ),
        "duplicate-key-json": ErrorPlant(
            {"dup.json": f'{{"{token}": 1, "{token}": 2}}'}, token, "duplicate-key"
        ),
        "openapi-bad-value": ErrorPlant(
            {"api.yaml": _openapi_spec(f"paths:\n  /a: {token}\n")},
            token,
            "invalid-openapi",
        ),
        "openapi-bad-value-unflagged": ErrorPlant(
            {"api.yaml": _openapi_spec(f"paths:\n  /a: {word}\n")},
            word,
            "invalid-openapi",
        ),
        "openapi-bad-enum": ErrorPlant(
            {"api.yaml": _openapi_spec(enum_paths)}, word, "invalid-openapi"
        ),
        "openapi-duplicate-operation-id": ErrorPlant(
            {"api.yaml": _openapi_spec(operation_ids)}, word, "invalid-openapi"
        ),
        "server-url-password": ErrorPlant(
            {"api.yaml": _openapi_spec(servers)}, password, "openapi-server-http"
        ),
        "suppression-reason": ErrorPlant(
            {"app.yaml": suppressed}, token, "config-http-url", ("--show-suppressed",)
        ),
        "rule-failed": ErrorPlant(
            {"app.yaml": f"url: http://x.acme-corp.io/{token}\n"}, token, "rule-failed"
        ),
    }


def _fail_on_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make config-http-url raise an error that quotes the file's GitHub token."""
    from apiguard.matchers.text import TextMatcher

    run = TextMatcher.run

    def failing(self: TextMatcher, rule: Any, target: Any) -> Any:
        token = re.search(r"ghp_[A-Za-z0-9]+", target.text)
        if rule.id == "config-http-url" and token is not None:
            raise ValueError(f"cannot handle {token.group(0)}")
        return run(self, rule, target)

    monkeypatch.setattr(TextMatcher, "run", failing)


@pytest.mark.parametrize("run_name", sorted(RUNS))
@pytest.mark.parametrize("plant_name", sorted(_error_plants()))
def test_secret_not_in_problem_messages(
    plant_name: str,
    run_name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hostile.support import run_cli, write_files

    plant = _error_plants()[plant_name]
    if plant_name == "rule-failed":
        _fail_on_tokens(monkeypatch)
    folder = tmp_path / "repo"
    write_files(folder, {path: text.encode() for path, text in plant.files.items()})

    run = run_cli(["scan", str(folder), *RUNS[run_name], *plant.args], cwd=tmp_path)

    assert run.exit_code in (0, 1, 2)
    assert "Traceback" not in run.stderr
    assert plant.expect in run.stdout
    assert plant.secret not in run.stdout
    assert plant.secret not in run.stderr
    assert _shown_pieces(plant.secret, run.stdout) == []
    assert _shown_pieces(plant.secret, run.stderr) == []


def test_cache_holds_no_secret(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    repo = _make_repo(tmp_path / "repo", "files")
    cache = tmp_path / "cache"
    env = {**os.environ, "NO_COLOR": "1"}
    command = [sys.executable, "-m", "apiguard", "scan", "-f", "json"]
    runs = [
        subprocess.run(
            [*command, "--cache-dir", str(cache)],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        for _ in range(2)
    ]

    stored = "".join(path.read_text() for path in cache.rglob("*") if path.is_file())
    assert stored
    for rule_id, plant in _plants().items():
        if _group(rule_id) != "files":
            continue
        assert plant.random_part not in stored, rule_id
        assert _shown_pieces(plant.random_part, stored) == [], rule_id
    fired = [_fired(run.stdout, "json") for run in runs]
    assert fired[0] == fired[1]
    assert {rule_id for rule_id in _plants() if _group(rule_id) == "files"} <= fired[1]
