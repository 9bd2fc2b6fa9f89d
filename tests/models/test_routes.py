from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from apiguard.engine import ScanOptions, scan
from apiguard.models.routes import build_route_model
from apiguard.rules import load_rules


def model_of(kind: str, text: str) -> dict[str, Any]:
    documents = list(yaml.safe_load_all(text))
    return build_route_model(kind, documents[0], documents)


def only(entries: list[dict[str, Any]]) -> dict[str, Any]:
    (entry,) = entries
    return entry


# Shape


def test_empty_model_has_every_list() -> None:
    model = model_of("kubernetes", "apiVersion: v1\nkind: ConfigMap\n")

    assert model == {
        "$source": "",
        "routes": [],
        "stages": [],
        "methodSettings": [],
        "tlsSettings": [],
        "authPolicies": [],
        "credentials": [],
    }


def test_route_has_every_field() -> None:
    model = model_of(
        "kong",
        "_format_version: '3.0'\nservices:\n"
        "  - {name: s, url: 'https://s.internal', routes: [{name: r, paths: [/r]}]}\n",
    )

    route = only(model["routes"])
    assert set(route) == {
        "$source",
        "format",
        "formatName",
        "name",
        "host",
        "path",
        "method",
        "endpoint",
        "tls",
        "httpsRedirect",
        "auth",
        "rateLimit",
        "accessLog",
        "loopback",
        "upstream",
        "globalSetting",
        "globalNote",
    }
    assert route["$source"] == "/services/0/routes/0"
    assert route["upstream"] == "https://s.internal"
    assert route["globalNote"]["auth"].startswith(", unless a decK file")


# Kubernetes Ingress


INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  annotations:
    nginx.ingress.kubernetes.io/limit-rpm: "600"
    nginx.ingress.kubernetes.io/ssl-redirect: "false"
spec:
  tls: [{hosts: [shop.example.com]}]
  rules:
    - host: shop.example.com
      http:
        paths: [{path: /cart}]
"""


def test_ingress_tls_without_redirect() -> None:
    route = only(model_of("kubernetes", INGRESS)["routes"])

    assert route["tls"] is True
    assert route["httpsRedirect"] is False
    assert route["rateLimit"] == {"limit-rpm": "600"}
    assert route["accessLog"] is True
    assert route["endpoint"] == "shop.example.com/cart"


def test_ingress_of_unknown_controller_is_unknown() -> None:
    text = INGRESS.replace("spec:\n", "spec:\n  ingressClassName: traefik\n")

    route = only(model_of("kubernetes", text)["routes"])

    assert route["auth"] == "unknown"
    assert route["rateLimit"] == "unknown"
    assert route["httpsRedirect"] == "unknown"


# Gateway API and Istio


def test_gateway_listener_redirect_needs_matching_section() -> None:
    text = """\
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  listeners: [{name: web, protocol: HTTP, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: redirect}
spec:
  parentRefs: [{name: gw, sectionName: other}]
  rules: [{filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}]}]
"""
    route = only(model_of("kubernetes", text)["routes"])

    assert route["httpsRedirect"] is False
    assert "HTTPRoute" in route["globalSetting"]["tls"]


def test_istio_gateway_with_sidecar_protocols() -> None:
    text = """\
apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata: {name: gw}
spec:
  servers:
    - port: {number: 31400, name: tcp, protocol: TCP}
      hosts: ["*"]
    - port: {number: 80, name: grpc, protocol: GRPC}
      hosts: ["grpc.example.com"]
"""
    route = only(model_of("kubernetes", text)["routes"])

    assert route["name"] == "gw/grpc"
    assert route["tls"] is False


def test_request_authentication_enforced_by_wider_selector() -> None:
    text = """\
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: shop}
spec:
  selector: {matchLabels: {app: cart, version: v1}}
  jwtRules: [{issuer: https://login.example.com}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: require, namespace: shop}
spec:
  selector: {matchLabels: {app: cart}}
  rules: [{from: [{source: {requestPrincipals: ["*"]}}]}]
"""
    policy = only(model_of("kubernetes", text)["authPolicies"])

    assert policy["enforced"] is True
    assert policy["globalNote"]["auth"] == ""


# Kong


def test_kong_ignores_consumer_and_disabled_plugins() -> None:
    text = """\
_format_version: "3.0"
services:
  - name: s
    url: https://s.internal
    routes: [{name: r, paths: [/r], protocols: [https]}]
plugins:
  - {name: key-auth, consumer: alice}
  - {name: http-log, enabled: false}
  - {name: rate-limiting, service: s}
"""
    route = only(model_of("kong", text)["routes"])

    assert route["auth"] == []
    assert route["accessLog"] is False
    assert route["rateLimit"] == {"plugins": ["rate-limiting"]}
    assert route["tls"] is True


# CloudFormation and SAM


def test_cloudformation_resource_path_is_followed() -> None:
    text = """\
Resources:
  Api: {Type: AWS::ApiGateway::RestApi}
  V1:
    Type: AWS::ApiGateway::Resource
    Properties: {ParentId: !GetAtt Api.RootResourceId, PathPart: v1}
  Pets:
    Type: AWS::ApiGateway::Resource
    Properties: {ParentId: !Ref V1, PathPart: pets}
  Get:
    Type: AWS::ApiGateway::Method
    Properties: {ResourceId: !Ref Pets, HttpMethod: get, AuthorizationType: AWS_IAM}
"""
    model = build_route_model("cloudformation", _cfn(text), [])

    route = only(model["routes"])
    assert route["path"] == "/v1/pets"
    assert route["method"] == "GET"
    assert route["auth"] == ["AWS_IAM"]


def test_sam_event_with_definition_body_is_unknown() -> None:
    text = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties: {StageName: prod, DefinitionBody: {openapi: "3.0.1"}}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /, Method: get}}
"""
    model = build_route_model("cloudformation", _cfn(text), [])

    assert only(model["routes"])["auth"] == "unknown"
    assert only(model["stages"])["name"] == "Api (prod)"


def _cfn(text: str) -> Any:
    from apiguard.load import parse_yaml

    (document,) = list(parse_yaml(text))
    assert not isinstance(document, Exception)
    return document.data


# Serverless Framework


def test_serverless_stages_only_for_used_apis() -> None:
    text = """\
service: {name: shop}
provider: {name: aws, logs: {restApi: {accessLogging: true}}}
functions:
  list:
    events: [{http: {path: items, method: get, authorizer: {name: auth}}}]
"""
    model = model_of("serverless", text)

    stage = only(model["stages"])
    assert stage["name"] == "shop REST API"
    assert stage["accessLog"] is True
    assert only(model["routes"])["auth"] == ["auth"]


# nginx


def _nginx_model(text: str) -> dict[str, Any]:
    from apiguard.load_nginx import parse_nginx

    (document,) = parse_nginx(text)
    assert not isinstance(document, Exception)
    return build_route_model("nginx", document.data, [])


def test_nginx_server_on_unix_socket_is_loopback() -> None:
    route = only(_nginx_model("server {\n  listen unix:/run/app.sock;\n}\n")["routes"])

    assert route["loopback"] is True
    assert route["tls"] is False


def test_nginx_snippet_names_global_rate_limit() -> None:
    text = "server {\n  listen 443 ssl;\n  location / { proxy_pass http://b; }\n}\n"

    route = only(_nginx_model(text)["routes"])

    assert route["rateLimit"] is False
    assert "limit_req" in route["globalSetting"]["rateLimit"]
    assert route["accessLog"] == "unknown"
    assert route["upstream"] == "http://b"


# Compose


def test_compose_list_and_mapping_environments() -> None:
    text = """\
services:
  a:
    image: x
    environment: [API_TOKEN=tok-123456, LOG_LEVEL=debug]
  b:
    image: y
    environment: {DB_PASSWORD: 12345678, DB_PASSWORD_FILE: /run/secrets/db}
"""
    credentials = model_of("compose", text)["credentials"]

    assert [(c["owner"], c["name"], c["$source"]) for c in credentials] == [
        ("a", "API_TOKEN", "/services/a/environment/0"),
        ("b", "DB_PASSWORD", "/services/b/environment/DB_PASSWORD"),
    ]


# Engine


@pytest.fixture(scope="module")
def terraform_rules() -> list[Any]:
    return [rule for rule in load_rules([]) if "terraform" in rule.kinds]


def test_invalid_terraform_is_reported(tmp_path: Path, terraform_rules: Any) -> None:
    (tmp_path / "main.tf").write_text('resource "a" "b" {\n  x = \n}\n')

    result = scan([tmp_path], terraform_rules, options=ScanOptions(jobs=1))

    (problem,) = result.notifications
    assert problem.code == "parse-error"
    assert problem.message.startswith("invalid HCL:")
    assert problem.region is not None
    assert problem.region.start_line == 2


def test_terraform_not_parsed_without_terraform_rule(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "a" "b" {\n  x = \n}\n')
    rules = [rule for rule in load_rules([]) if rule.id == "config-http-url"]

    result = scan([tmp_path], rules, options=ScanOptions(jobs=1))

    assert result.notifications == []
