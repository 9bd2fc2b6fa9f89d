"""Placeholder detection, entropy and redaction in apiguard.secrets."""

from __future__ import annotations

import base64
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apiguard.secrets import (
    is_placeholder,
    redact,
    redact_in,
    secret_hash,
    shannon_entropy,
)

# Every value on the left is invented for this table.
PLACEHOLDER_CASES = [
    # Empty and blank values.
    ("", True),
    ("   ", True),
    ('""', True),
    # Variables and templates.
    ("${DB_PASSWORD}", True),
    ("prefix-${TOKEN}-suffix", True),
    ("$(DB_PASSWORD)", True),
    ("${{ secrets.DEPLOY_TOKEN }}", True),
    ("{{ .Values.db.password }}", True),
    ("{{password}}", True),
    ("<your-api-key>", True),
    ("<%= ENV['API_KEY'] %>", True),
    ("[password]", True),
    ("{password}", True),
    ("%(password)s", True),
    ("%s", True),
    ("%DB_PASSWORD%", True),
    ("$DB_PASSWORD", True),
    ("@db.password@", True),
    ("__DB_PASSWORD__", True),
    ("#{DbPassword}#", True),
    ("((concourse-password))", True),
    # Names of environment variables.
    ("DB_PASSWORD", True),
    ("AWS_SECRET_ACCESS_KEY", True),
    # Names of secrets rather than their values.
    ("db-secret", True),
    ("orders/tls-secret", True),
    ("my_api_key", True),
    ("basic_pass_updated", True),
    # Sample words and masks.
    ("changeme", True),
    ("CHANGE_ME_PLEASE", True),
    ("replace-me", True),
    ("your_api_key_here", True),
    ("REDACTED", True),
    ("<redacted>", True),
    ("example-token-1234", True),
    ("AKIAIOSFODNN7EXAMPLE", True),
    ("dummy-value", True),
    ("password", True),
    ("Password123", True),
    ("secret", True),
    ("abc123", True),
    ("qwerty", True),
    ("null", True),
    ("********", True),
    ("xxxxxxxxxxxxxxxx", True),
    ("sk_live_xxxxxxxxxxxxxxxxxxxxxxxx", True),
    ("MIIEpAIBAAKCAQEA...", True),
    # Repeated characters and all zeros.
    ("aaaaaaaaaaaa", True),
    ("abababababab", True),
    ("0000000000000000", True),
    # Encrypted values and secret-store references.
    ("ENC[AES256_GCM,data:Tr3Vb9==,iv:Qm9v,tag:Zm9v,type:str]", True),
    ("vault:secret/data/orders#db_password", True),
    ("arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/db-Ab12Cd", True),
    ("arn:aws:ssm:eu-west-1:123456789012:parameter/orders/db_password", True),
    ("arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:db", True),
    ("arn:aws:kms:eu-west-1:123456789012:key/1b2c3d4e", True),
    ("projects/acme-orders/secrets/db-password/versions/latest", True),
    (
        "@Microsoft.KeyVault(SecretUri=https://acme-kv.vault.azure.net/secrets/db/)",
        True,
    ),
    ("@Microsoft.KeyVault(VaultName=acme-kv;SecretName=db)", True),
    ("https://acme-kv.vault.azure.net/secrets/db-password", True),
    ("op://ci/orders-db/password", True),
    # Base64 of a placeholder, as Kubernetes Secret data stores it.
    (base64.b64encode(b"changeme").decode(), True),
    (base64.b64encode(b"DB_PASSWORD").decode(), True),
    # Real-looking values.
    ("hunter2", False),
    ("Zq8vLm2TxW4nRk7p", False),
    ("q7Vb2LxN9eRk4TsWc1Hd6Fg3", False),
    ("9f86d3a1c2b4e5f60718293a4b5c6d7e", False),
    ("t0p-S3cr3t-Orders!", False),
    ("correct horse battery staple", False),
    ("AKIAZ7QWERTYUIOP2345", False),
    ("sk_live_Wm3Qz8Rt5Yu1Io7Pa4Sd9Fg2", False),
    ("ghp_Ab3De6Gh9Jk2Mn5Pq8St1Vw4Yz7Bc0Ef3Hi6", False),
    ("gitea", False),
    (base64.b64encode(b"k9#Lm2@vQ8").decode(), False),
    (base64.b64encode(b"Tr4v3l-Lamp-90s").decode(), False),
]


@pytest.mark.parametrize(("value", "expected"), PLACEHOLDER_CASES)
def test_is_placeholder(value: str, expected: bool) -> None:
    assert is_placeholder(value) is expected


@pytest.mark.parametrize(
    ("value", "bits"),
    [
        ("", 0.0),
        ("a", 0.0),
        ("aaaa", 0.0),
        ("ab", 1.0),
        ("aabb", 1.0),
        ("abcd", 2.0),
        ("0123456789abcdef", 4.0),
        ("aab", -(2 / 3) * math.log2(2 / 3) - (1 / 3) * math.log2(1 / 3)),
    ],
)
def test_shannon_entropy(value: str, bits: float) -> None:
    assert shannon_entropy(value) == pytest.approx(bits)


def test_shannon_entropy_max_for_distinct() -> None:
    value = "".join(chr(ord("A") + i) for i in range(32))
    assert shannon_entropy(value) == pytest.approx(5.0)


# Secrets made of characters that redact() never writes.
SECRET_TEXT = st.text(
    alphabet=st.characters(blacklist_characters="*", blacklist_categories=("Cs",)),
    min_size=1,
    max_size=200,
)


@given(SECRET_TEXT.filter(lambda value: len(value) >= 16))
def test_redact_long_shows_four_characters(value: str) -> None:
    redacted = redact(value)
    assert redacted[:4] == value[:4]
    assert set(redacted[4:]) == {"*"}
    assert value[:5] not in redacted


@given(SECRET_TEXT.filter(lambda value: len(value) < 16))
def test_redact_short_shows_nothing(value: str) -> None:
    redacted = redact(value)
    assert set(redacted) == {"*"}
    assert 4 <= len(redacted) <= 8


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("pw", "****"),
        ("hunter2", "*******"),
        ("Zq8vLm2TxW4nRk7", "********"),
        ("Zq8vLm2TxW4nRk7p", "Zq8v********"),
        ("q7Vb2LxN9eRk4TsWc1Hd6Fg3q7Vb2LxN", "q7Vb********"),
    ],
)
def test_redact_examples(value: str, expected: str) -> None:
    assert redact(value) == expected


def test_redact_in_replaces_every_occurrence() -> None:
    secret = "q7Vb2LxN9eRk4TsWc1Hd6Fg3"
    text = f'token = "{secret}"  # same as {secret}'

    redacted = redact_in(text, secret)

    assert secret not in redacted
    assert redacted == 'token = "q7Vb********"  # same as q7Vb********'


def test_redact_in_empty_secret_keeps_text() -> None:
    assert redact_in("token = x", "") == "token = x"


def test_secret_hash_format() -> None:
    hashed = secret_hash("q7Vb2LxN9eRk4TsWc1Hd6Fg3")
    assert hashed.startswith("sha256:")
    assert len(hashed) == len("sha256:") + 16
    assert "q7Vb" not in hashed
