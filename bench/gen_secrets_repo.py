"""Generate a synthetic repository with planted fake secrets and benign noise.

The tree is the same for the same seed and size. Every secret is made up
from the seeded random generator in the format of a real credential type.
Its file, line (and last line, for a PEM block) and type go to a manifest
beside the tree, never inside it. The noise is what a secret scanner has to
skip: hashes under hash-named keys, UUIDs, base64 blobs, lock files with
integrity hashes, minified JavaScript, CSV data and prose.

    python bench/gen_secrets_repo.py --out /tmp/apiguard-bench/secrets-100 \
        --size-mb 100 --seed 1
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import shutil
import string
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ALNUM = string.ascii_letters + string.digits
BASE64URL = ALNUM + "-_"
HEX = "0123456789abcdef"

WORDS = (  # noqa: SIM905
    "account address adjust allow amount archive array batch billing branch "
    "buffer cache channel chunk client column commit config connect context "
    "count cursor customer daemon delta device digest domain driver entry "
    "event export factor field filter folder format frame gateway handler "
    "header import index input invoice item job kernel label layer ledger "
    "limit listener loader margin matrix member message metric module monitor "
    "node notice number object offset order output owner packet page parcel "
    "parser pattern payload person pipeline policy pool portal price process "
    "profile query queue record region report request result route router "
    "sample schema scope segment sender series server session shipment signal "
    "socket source stage status stream summary supplier table target task "
    "tenant thread ticket timer token total tracker update upload user value "
    "vendor version volume warehouse window worker"
).split()
# Credential-looking words are avoided in noise names, so noise lines are
# not assignments to a password or key name.
NOISE_NAMES = [word for word in WORDS if word not in ("token",)]


@dataclass
class Planted:
    """A secret in a file being built; `needle` finds its line afterwards."""

    kind: str
    needle: str
    block: bool = False
    """A PEM block: the manifest lists its BEGIN and END lines."""


@dataclass
class FileText:
    path: str
    text: str
    planted: list[Planted] = field(default_factory=list)


def pick(rng: random.Random, alphabet: str, length: int) -> str:
    return "".join(rng.choices(alphabet, k=length))


def word(rng: random.Random) -> str:
    return rng.choice(NOISE_NAMES)


def ident(rng: random.Random) -> str:
    return "_".join(word(rng) for _ in range(rng.randint(1, 3)))


def camel(rng: random.Random) -> str:
    parts = [word(rng) for _ in range(rng.randint(1, 3))]
    return parts[0] + "".join(part.title() for part in parts[1:])


def sentence(rng: random.Random, count: int = 10) -> str:
    return " ".join(word(rng) for _ in range(count)).capitalize() + "."


def uuid4(rng: random.Random) -> str:
    raw = pick(rng, HEX, 32)
    return f"{raw[:8]}-{raw[8:12]}-4{raw[13:16]}-a{raw[17:20]}-{raw[20:]}"


def b64(rng: random.Random, size: int, *, urlsafe: bool = False) -> str:
    data = rng.randbytes(size)
    if urlsafe:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")
    return base64.b64encode(data).decode()


# Secret values, one function per type, each made up from `rng`.


def secret_aws(rng: random.Random) -> str:
    return "AKIA" + pick(rng, string.ascii_uppercase + "234567", 16)


def secret_github(rng: random.Random) -> str:
    return "ghp_" + pick(rng, ALNUM, 36)


def secret_gitlab(rng: random.Random) -> str:
    return "glpat-" + pick(rng, ALNUM + "_-", 20)


def secret_slack(rng: random.Random) -> str:
    return (
        f"xoxb-{pick(rng, string.digits, 11)}-{pick(rng, string.digits, 13)}-"
        + pick(rng, ALNUM, 24)
    )


def secret_stripe(rng: random.Random) -> str:
    return "sk_live_" + pick(rng, ALNUM, 24)


def secret_npm(rng: random.Random) -> str:
    return "npm_" + pick(rng, ALNUM, 36)


def secret_pypi(rng: random.Random) -> str:
    return "pypi-AgEIcHlwaS5vcmc" + pick(rng, BASE64URL, 120)


def secret_sendgrid(rng: random.Random) -> str:
    return f"SG.{pick(rng, BASE64URL, 22)}.{pick(rng, BASE64URL, 43)}"


def secret_twilio(rng: random.Random) -> str:
    return "SK" + pick(rng, HEX, 32)


def secret_mailchimp(rng: random.Random) -> str:
    return pick(rng, HEX, 32) + f"-us{rng.randint(1, 21)}"


def secret_openai(rng: random.Random) -> str:
    return f"sk-{pick(rng, ALNUM, 20)}T3BlbkFJ{pick(rng, ALNUM, 20)}"


def secret_telegram(rng: random.Random) -> str:
    return f"{rng.randint(100_000_000, 999_999_999)}:AA{pick(rng, BASE64URL, 33)}"


def secret_jwt(rng: random.Random) -> str:
    header = {"alg": "HS256", "typ": "JWT"}
    payload = {
        "sub": str(rng.randint(10**8, 10**9)),
        "name": f"{word(rng)} {word(rng)}",
        "iat": rng.randint(1_600_000_000, 1_750_000_000),
    }
    parts = [
        base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")
        for part in (header, payload)
    ]
    return ".".join([*parts, b64(rng, 32, urlsafe=True)])


def secret_password(rng: random.Random) -> str:
    return (
        pick(rng, ALNUM, rng.randint(8, 12))
        + pick(rng, "!#%+?", 1)
        + (pick(rng, ALNUM, rng.randint(4, 8)))
    )


def secret_url(rng: random.Random) -> str:
    scheme = rng.choice(["postgres", "mysql", "redis", "amqp", "mongodb"])
    password = pick(rng, ALNUM, rng.randint(12, 20))
    host = f"{word(rng)}-{rng.randint(1, 9)}.{word(rng)}.internal"
    return f"{scheme}://{word(rng)}:{password}@{host}:{rng.randint(1024, 9999)}/app"


def private_key(rng: random.Random) -> list[str]:
    body = b64(rng, 48 * rng.randint(8, 16))
    lines = [body[index : index + 64] for index in range(0, len(body), 64)]
    return [
        "-----BEGIN RSA PRIVATE KEY-----",
        *lines,
        "-----END RSA PRIVATE KEY-----",
    ]


# Each planted type: its generator and the variable name it is assigned to.
TOKEN_TYPES: dict[str, tuple[Callable[[random.Random], str], tuple[str, ...]]] = {
    "aws-access-key": (secret_aws, ("aws_access_key_id", "AWS_ACCESS_KEY_ID")),
    "github-token": (secret_github, ("github_token", "GH_TOKEN")),
    "gitlab-token": (secret_gitlab, ("gitlab_token", "CI_DEPLOY_TOKEN")),
    "slack-token": (secret_slack, ("slack_bot_token", "SLACK_TOKEN")),
    "stripe-key": (secret_stripe, ("stripe_api_key", "STRIPE_SECRET")),
    "npm-token": (secret_npm, ("npm_token", "NPM_TOKEN")),
    "pypi-token": (secret_pypi, ("pypi_token", "TWINE_PASSWORD")),
    "sendgrid-key": (secret_sendgrid, ("sendgrid_api_key", "SENDGRID_KEY")),
    "twilio-key": (secret_twilio, ("twilio_api_sid", "TWILIO_SID")),
    "mailchimp-key": (secret_mailchimp, ("mailchimp_api_key", "MC_KEY")),
    "openai-key": (secret_openai, ("openai_api_key", "OPENAI_KEY")),
    "telegram-bot-token": (secret_telegram, ("telegram_token", "BOT_TOKEN")),
    "jwt": (secret_jwt, ("auth_header_token", "SESSION_JWT")),
    "keyword-password": (secret_password, ("db_password", "ADMIN_PASSWORD")),
    "url-password": (secret_url, ("database_url", "BROKER_URL")),
}
PLANTED_TYPES = (*TOKEN_TYPES, "private-key", "npmrc-token")


def token(rng: random.Random) -> tuple[str, str, str]:
    """Return a random (type, variable name, value) to plant."""
    kind = rng.choice(list(TOKEN_TYPES))
    make, names = TOKEN_TYPES[kind]
    return kind, rng.choice(names), make(rng)


# Noise lines, one function per file family.


def python_noise(rng: random.Random) -> list[str]:
    name = ident(rng)
    choice = rng.randrange(8)
    if choice == 0:
        return [
            f"def {name}({ident(rng)}, {ident(rng)}=None):",
            f'    """{sentence(rng)}"""',
        ]
    if choice == 1:
        return [f"    {name} = {ident(rng)}.get({word(rng)!r}, {rng.randint(0, 999)})"]
    if choice == 2:
        return [f'    sha256 = "{pick(rng, HEX, 64)}"']
    if choice == 3:
        return [f'    request_id = "{uuid4(rng)}"']
    if choice == 4:
        return [f"    # {sentence(rng, rng.randint(5, 14))}"]
    if choice == 5:
        return [f"    return {name} + {rng.randint(1, 10_000)}", ""]
    if choice == 6:
        return [f'    commit = "{pick(rng, HEX, 40)}"']
    return [f"    logger.info({sentence(rng, 6)!r}, {name})"]


def js_noise(rng: random.Random) -> list[str]:
    name = camel(rng)
    choice = rng.randrange(7)
    if choice == 0:
        return [
            f"export function {name}({camel(rng)}) {{",
            f"  return {camel(rng)};",
            "}",
        ]
    if choice == 1:
        return [f"const {name} = '{uuid4(rng)}';"]
    if choice == 2:
        return [f"  // {sentence(rng, rng.randint(4, 12))}"]
    if choice == 3:
        return [f"const {name}Hash = '{pick(rng, HEX, 40)}';"]
    if choice == 4:
        return [f"  {name}: '{sentence(rng, 4)}',"]
    if choice == 5:
        return [f"  const {name} = await fetch(`/api/{word(rng)}/${{{camel(rng)}}}`);"]
    return [f"  if ({name} > {rng.randint(0, 99)}) {{ {camel(rng)}.push({name}); }}"]


def go_noise(rng: random.Random) -> list[str]:
    name = camel(rng)
    choice = rng.randrange(5)
    if choice == 0:
        return [
            f"func {name.title()}(ctx context.Context) error {{",
            "\treturn nil",
            "}",
        ]
    if choice == 1:
        return [f'\t{name} := "{uuid4(rng)}"']
    if choice == 2:
        return [f"\t// {sentence(rng, 8)}"]
    if choice == 3:
        return [f'\tchecksum := "{pick(rng, HEX, 64)}"']
    return [f"\tif err := {name}.{camel(rng).title()}(); err != nil {{ return err }}"]


def yaml_noise(rng: random.Random) -> list[str]:
    choice = rng.randrange(6)
    if choice == 0:
        return [f"{ident(rng)}:", f"  {word(rng)}: {rng.randint(0, 65535)}"]
    if choice == 1:
        return [f"  image: registry.local/{word(rng)}@sha256:{pick(rng, HEX, 64)}"]
    if choice == 2:
        return [f'  {ident(rng)}: "{sentence(rng, 5)}"']
    if choice == 3:
        return [f"  uid: {uuid4(rng)}"]
    if choice == 4:
        return [f"# {sentence(rng, 9)}"]
    return [f"  {ident(rng)}: {str(rng.random() < 0.5).lower()}"]


def env_noise(rng: random.Random) -> list[str]:
    name = ident(rng).upper()
    choice = rng.randrange(4)
    if choice == 0:
        return [f"{name}={rng.randint(0, 99999)}"]
    if choice == 1:
        return [f"{name}_URL=https://{word(rng)}.example.internal/{word(rng)}"]
    if choice == 2:
        return [f"# {sentence(rng, 6)}"]
    return [f"{name}_ENABLED=true"]


def markdown_noise(rng: random.Random) -> list[str]:
    choice = rng.randrange(4)
    if choice == 0:
        return [f"## {sentence(rng, 3)}", ""]
    if choice == 1:
        return [" ".join(sentence(rng, rng.randint(6, 14)) for _ in range(4)), ""]
    if choice == 2:
        return [f"- `{ident(rng)}`: {sentence(rng, 7)}"]
    return [f"Commit `{pick(rng, HEX, 40)}` changed {word(rng)} handling."]


def csv_noise(rng: random.Random) -> list[str]:
    return [
        ",".join(
            [
                str(rng.randint(1, 10**6)),
                word(rng),
                uuid4(rng),
                f"{rng.random() * 1000:.2f}",
                pick(rng, HEX, 32),
            ]
        )
    ]


NOISE: dict[str, Callable[[random.Random], list[str]]] = {
    "py": python_noise,
    "js": js_noise,
    "ts": js_noise,
    "go": go_noise,
    "yaml": yaml_noise,
    "env": env_noise,
    "md": markdown_noise,
    "csv": csv_noise,
}


def assignment(family: str, name: str, value: str) -> str:
    """Return a line that assigns `value` to `name` in the family's syntax."""
    if family == "py":
        return f'    {name.lower()} = "{value}"'
    if family in ("js", "ts"):
        return f'const {name.lower()} = "{value}";'
    if family == "go":
        return f'\t{name.lower()} := "{value}"'
    if family == "yaml":
        return f"  {name.lower()}: {value}"
    if family == "env":
        return f"{name.upper()}={value}"
    if family == "md":
        return f"Set `{name.upper()}={value}` before you start the service."
    return f"{name.lower()},{value}"


def pem_lines(family: str, lines: list[str]) -> list[str]:
    """Embed PEM lines in the family's syntax, one PEM line per file line."""
    if family == "py":
        return ['PRIVATE_KEY = """', *lines, '"""']
    if family in ("js", "ts"):
        return ["const privateKey = `", *lines, "`;"]
    if family == "go":
        return ["const privateKey = `", *lines, "`"]
    if family == "yaml":
        return ["  private_key: |", *(f"    {line}" for line in lines)]
    if family == "md":
        return ["```", *lines, "```"]
    return lines


def text_file(
    rng: random.Random, path: str, family: str, size: int, secret_rate: float
) -> FileText:
    """Build a line-based file of about `size` bytes in one syntax family."""
    noise = NOISE[family]
    lines: list[str] = []
    planted: list[Planted] = []
    written = 0
    while written < size:
        if rng.random() < secret_rate:
            new_lines = plant(rng, family, planted)
        else:
            new_lines = noise(rng)
        lines.extend(new_lines)
        written += sum(len(line) + 1 for line in new_lines)
    return FileText(path, "\n".join(lines) + "\n", planted)


def plant(rng: random.Random, family: str, planted: list[Planted]) -> list[str]:
    if rng.random() < 0.06:
        pem = private_key(rng)
        planted.append(Planted("private-key", pem[1], block=True))
        return pem_lines(family, pem)
    kind, name, value = token(rng)
    planted.append(Planted(kind, value))
    return [assignment(family, name, value)]


def json_file(rng: random.Random, path: str, size: int, secret_rate: float) -> FileText:
    """Build a valid JSON file of records, some with a planted secret."""
    records: list[dict[str, object]] = []
    planted: list[Planted] = []
    written = 0
    while written < size:
        record: dict[str, object] = {
            "id": uuid4(rng),
            "name": ident(rng),
            "description": sentence(rng, rng.randint(4, 12)),
            "checksum": pick(rng, HEX, 64),
            "count": rng.randint(0, 10**6),
        }
        if rng.random() < 0.1:
            record["thumbnail"] = "data:image/png;base64," + b64(rng, 96)
        if rng.random() < 0.05:
            record["payload"] = b64(rng, rng.randint(24, 90))
        if rng.random() < secret_rate:
            kind, name, value = token(rng)
            record[name.lower()] = value
            planted.append(Planted(kind, value))
        records.append(record)
        written += 260
    text = json.dumps({"items": records}, indent=2) + "\n"
    return FileText(path, text, planted)


def package_lock(rng: random.Random, path: str, size: int) -> FileText:
    packages: dict[str, object] = {}
    written = 0
    while written < size:
        name = f"{word(rng)}-{word(rng)}"
        version = f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 30)}"
        packages[f"node_modules/{name}"] = {
            "version": version,
            "resolved": f"https://registry.npmjs.org/{name}/-/{name}-{version}.tgz",
            "integrity": "sha512-" + b64(rng, 64),
        }
        written += 240
    document = {"name": "app", "lockfileVersion": 3, "packages": packages}
    return FileText(path, json.dumps(document, indent=2) + "\n")


def go_sum(rng: random.Random, path: str, size: int) -> FileText:
    lines: list[str] = []
    written = 0
    while written < size:
        module = f"example.org/{word(rng)}/{word(rng)}"
        version = f"v{rng.randint(0, 3)}.{rng.randint(0, 40)}.{rng.randint(0, 9)}"
        lines.append(f"{module} {version} h1:{b64(rng, 32)}")
        lines.append(f"{module} {version}/go.mod h1:{b64(rng, 32)}")
        written += 2 * (len(lines[-1]) + 1)
    return FileText(path, "\n".join(lines) + "\n")


def minified_js(rng: random.Random, path: str, size: int) -> FileText:
    """Build minified JavaScript: few lines, each tens of kilobytes long."""
    lines: list[str] = []
    written = 0
    while written < size:
        parts: list[str] = []
        length = 0
        target = rng.randint(20_000, 80_000)
        while length < target:
            part = rng.choice(
                [
                    f"function {pick(rng, 'abcdefghij', 1)}({pick(rng, 'xyz', 1)})"
                    f"{{return {pick(rng, 'xyz', 1)}+{rng.randint(0, 99)}}}",
                    f'var {pick(rng, "abcdefgh", 2)}="{sentence(rng, 3)}";',
                    f'color:"#{pick(rng, HEX, 6)}",',
                    f'key:"{uuid4(rng)}",',
                    f'src:"data:image/svg+xml;base64,{b64(rng, 60)}",',
                    f"{pick(rng, 'abcdef', 1)}.{camel(rng)}({rng.randint(0, 9)});",
                ]
            )
            parts.append(part)
            length += len(part)
        line = "".join(parts)
        lines.append(line)
        written += len(line) + 1
    return FileText(path, "\n".join(lines) + "\n")


def npmrc(rng: random.Random, path: str) -> FileText:
    value = secret_npm(rng)
    text = (
        "registry=https://registry.npmjs.org/\n"
        f"//registry.npmjs.org/:_authToken={value}\n"
        "save-exact=true\n"
    )
    return FileText(path, text, [Planted("npmrc-token", value)])


def pem_file(rng: random.Random, path: str) -> FileText:
    pem = private_key(rng)
    return FileText(path, "\n".join(pem) + "\n", [Planted("private-key", pem[1], True)])


# File families by weight: (suffix or name, family, min size, max size).
LAYOUT: list[tuple[str, str, int, int, int]] = [
    (".py", "py", 2_000, 60_000, 20),
    (".js", "js", 2_000, 60_000, 12),
    (".ts", "ts", 2_000, 40_000, 10),
    (".go", "go", 2_000, 40_000, 8),
    (".yaml", "yaml", 1_000, 20_000, 10),
    (".env", "env", 200, 2_000, 3),
    (".md", "md", 2_000, 30_000, 6),
    (".csv", "csv", 20_000, 200_000, 3),
    (".json", "json", 4_000, 120_000, 8),
    ("package-lock.json", "lock", 100_000, 600_000, 2),
    ("go.sum", "gosum", 20_000, 200_000, 2),
    (".min.js", "minjs", 50_000, 400_000, 2),
    (".npmrc", "npmrc", 0, 0, 1),
    (".pem", "pem", 0, 0, 1),
]


def build_file(
    rng: random.Random, index: int, spec: tuple[str, str, int, int, int]
) -> FileText:
    suffix, family, low, high, _ = spec
    folder = (
        f"{rng.choice(['services', 'libs', 'apps', 'tools'])}/{word(rng)}-{index % 97}"
    )
    size = rng.randint(low, high) if high else 0
    if suffix.startswith("."):
        path = f"{folder}/{ident(rng)}-{index}{suffix}"
    else:
        path = f"{folder}/{index}/{suffix}"
    if family == "json":
        return json_file(rng, path, size, 0.004)
    if family == "lock":
        return package_lock(rng, path, size)
    if family == "gosum":
        return go_sum(rng, path, size)
    if family == "minjs":
        return minified_js(rng, path, size)
    if family == "npmrc":
        return npmrc(rng, f"{folder}/{index}/.npmrc")
    if family == "pem":
        return pem_file(rng, f"{folder}/keys/{word(rng)}-{index}.pem")
    return text_file(rng, path, family, size, 0.0015)


def manifest_entries(file: FileText) -> list[dict[str, object]]:
    entries: list[dict[str, object]] = []
    for item in file.planted:
        offset = file.text.index(item.needle)
        line = file.text.count("\n", 0, offset) + 1
        end_line = line
        if item.block:
            begin = file.text.rfind("-----BEGIN", 0, offset)
            end = file.text.find("-----END", offset)
            line = file.text.count("\n", 0, begin) + 1
            end_line = file.text.count("\n", 0, end) + 1
        entries.append(
            {"path": file.path, "line": line, "end_line": end_line, "type": item.kind}
        )
    return entries


def generate(out: Path, size_mb: float, seed: int) -> dict[str, object]:
    """Write the tree to `out` and its manifest to `out`.manifest.json."""
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    weights = [spec[4] for spec in LAYOUT]
    target = int(size_mb * 1024 * 1024)
    total = 0
    files = 0
    secrets: list[dict[str, object]] = []
    while total < target:
        spec = rng.choices(LAYOUT, weights=weights)[0]
        file = build_file(rng, files, spec)
        path = out / file.path
        path.parent.mkdir(parents=True, exist_ok=True)
        data = file.text.encode("utf-8")
        path.write_bytes(data)
        total += len(data)
        files += 1
        secrets.extend(manifest_entries(file))
    manifest = {
        "seed": seed,
        "size_mb": size_mb,
        "bytes": total,
        "files": files,
        "secrets": secrets,
    }
    manifest_path(out).write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def manifest_path(out: Path) -> Path:
    return out.with_name(out.name + ".manifest.json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="tree folder")
    parser.add_argument(
        "--size-mb", type=float, default=100.0, help="total size in MiB (100)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    args = parser.parse_args(argv)
    manifest = generate(args.out, args.size_mb, args.seed)
    counts: dict[str, int] = {}
    for entry in manifest["secrets"]:  # type: ignore[attr-defined]
        counts[entry["type"]] = counts.get(entry["type"], 0) + 1
    print(
        f"{manifest['files']} files, {manifest['bytes']} bytes, "
        f"{sum(counts.values())} planted secrets of {len(counts)} types "
        f"in {args.out}; manifest {manifest_path(args.out)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
