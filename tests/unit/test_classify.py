from __future__ import annotations

from typing import Any

import pytest

from apiguard.classify import classify


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        ({"openapi": "3.1.0", "info": {}}, "openapi"),
        ({"swagger": "2.0"}, "openapi"),
        ({"_format_version": "3.0", "services": []}, "kong"),
        ({"AWSTemplateFormatVersion": "2010-09-09"}, "cloudformation"),
        (
            {
                "Transform": "AWS::Serverless-2016-10-31",
                "Resources": {"Fn": {"Type": "AWS::Serverless::Function"}},
            },
            "cloudformation",
        ),
        ({"service": "orders", "provider": {"name": "aws"}}, "serverless"),
        ({"service": "orders", "provider": "aws"}, "serverless"),
        ({"services": {"web": {"image": "nginx:1.27"}}}, "compose"),
        ({"services": {"api": {"build": "."}}}, "compose"),
        ({"static_resources": {"listeners": []}}, "envoy"),
        ({"http": {"routers": {"api": {"rule": "Host(`a`)"}}}}, "traefik"),
        ({"entryPoints": {"web": {"address": ":80"}}, "providers": {}}, "traefik"),
        ({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress"}, "kubernetes"),
        (
            {"apiVersion": "configuration.konghq.com/v1", "kind": "KongPlugin"},
            "kubernetes",
        ),
    ],
)
def test_classify_kinds(data: dict[str, Any], kind: str) -> None:
    assert classify(data, "yaml") == kind


@pytest.mark.parametrize(
    "data",
    [
        {"Resources": {"Bucket": {"Type": "Custom::Thing"}}},
        {"service": "orders", "provider": {"name": "google"}},
        {"services": {"web": {"ports": ["80:80"]}}},
        {"services": ["web"]},
        {"static_resources": {"clusters": []}},
        {"http": {"port": 8080}},
        {"entryPoints": {"web": {}}},
        ["_format_version"],
    ],
)
def test_classify_near_misses_stay_yaml(data: Any) -> None:
    assert classify(data, "yaml") == "yaml"


def test_classify_openapi_wins_over_cloudformation() -> None:
    data = {"openapi": "3.0.3", "Resources": {"X": {"Type": "AWS::S3::Bucket"}}}

    assert classify(data, "json") == "openapi"


@pytest.mark.parametrize("syntax", ["terraform", "nginx"])
def test_classify_config_syntax_is_its_kind(syntax: str) -> None:
    assert classify({"resource": []}, syntax) == syntax
