from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any

import pytest
import yaml

from apiguard.models.openapi import MAX_REFERENCES, ModelProblem, build_model

CORPUS = Path(os.environ.get("APIGUARD_OPENAPI_CORPUS", "/work/shared/corpus/openapi"))


def model_of(text: str, **options: Any) -> tuple[dict[str, Any], list[ModelProblem]]:
    return build_model(yaml.safe_load(text), **options)


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def only_operation(model: dict[str, Any]) -> dict[str, Any]:
    (operation,) = model["operations"]
    return operation


def operation(model: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    (found,) = [
        op
        for op in model["operations"]
        if op["method"] == method and op["path"] == path
    ]
    return found


# Shape and version


def test_empty_document_has_every_key() -> None:
    model, problems = model_of("openapi: 3.0.3\ninfo: {title: Empty, version: '1'}\n")
    assert model == {
        "$source": "/openapi",
        "version": "3.0",
        "title": "Empty",
        "servers": [],
        "securitySchemes": [],
        "oauthUrls": [],
        "operations": [],
        "anyHas429": False,
        "undefinedSchemeReferences": [],
        "credentialValues": [],
    }
    assert problems == []


@pytest.mark.parametrize(
    ("header", "version", "source"),
    [
        ("swagger: '2.0'", "2.0", "/swagger"),
        ("openapi: 3.0.3", "3.0", "/openapi"),
        ("openapi: 3.1.0", "3.1", "/openapi"),
        ("openapi: 3.1", "3.1", "/openapi"),
    ],
)
def test_version_and_source(header: str, version: str, source: str) -> None:
    model, _ = model_of(header + "\ninfo: {title: T, version: '1'}\n")
    assert model["version"] == version
    assert model["$source"] == source


def test_version_missing_is_a_warning() -> None:
    model, problems = model_of("info: {title: T}\n")
    assert model["version"] == "3.0"
    assert [problem.level for problem in problems] == ["warning"]


def test_non_mapping_document() -> None:
    model, problems = build_model(["not", "a", "mapping"])
    assert model["operations"] == []
    assert len(problems) == 1


# Servers

SWAGGER_SERVERS = """
swagger: "2.0"
info: {title: Legacy, version: "1"}
host: API.Example.com:8443
basePath: /v1
schemes: [https, http]
paths:
  /pets:
    get:
      schemes: [ws]
      responses: {"200": {description: ok}}
"""


def test_swagger_schemes_become_servers() -> None:
    model, _ = model_of(SWAGGER_SERVERS)
    urls = [server["url"] for server in model["servers"]]
    assert urls == [
        "https://API.Example.com:8443/v1",
        "http://API.Example.com:8443/v1",
        "ws://API.Example.com:8443/v1",
    ]
    first = model["servers"][0]
    assert first["scheme"] == "https"
    assert first["host"] == "api.example.com"
    assert first["level"] == "root"
    assert first["$source"] == "/schemes/0"
    assert first["resolvedUrl"] == first["url"]


def test_swagger_operation_schemes() -> None:
    model, _ = model_of(SWAGGER_SERVERS)
    last = model["servers"][-1]
    assert last["level"] == "operation"
    assert last["scheme"] == "ws"
    assert last["$source"] == "/paths/~1pets/get/schemes/0"


def test_swagger_without_host_or_schemes() -> None:
    with_scheme, _ = model_of("swagger: '2.0'\nschemes: [http]\n")
    assert with_scheme["servers"][0]["url"] == "http://"
    assert with_scheme["servers"][0]["host"] == ""
    without, _ = model_of("swagger: '2.0'\nhost: api.example.com\n")
    assert without["servers"] == []


OPENAPI_SERVERS = """
openapi: 3.0.3
info: {title: Pets, version: "1"}
servers:
  - url: https://api.example.com/v1
  - url: /relative
paths:
  /pets:
    servers:
      - url: http://pets.example.com
    get:
      servers:
        - url: wss://stream.example.com
      responses: {"200": {description: ok}}
"""


def test_openapi_servers_at_three_levels() -> None:
    model, _ = model_of(OPENAPI_SERVERS)
    levels = [(server["level"], server["url"]) for server in model["servers"]]
    assert levels == [
        ("root", "https://api.example.com/v1"),
        ("root", "/relative"),
        ("path", "http://pets.example.com"),
        ("operation", "wss://stream.example.com"),
    ]
    sources = [server["$source"] for server in model["servers"]]
    assert sources == [
        "/servers/0",
        "/servers/1",
        "/paths/~1pets/servers/0",
        "/paths/~1pets/get/servers/0",
    ]


def test_relative_server_has_no_scheme() -> None:
    model, _ = model_of(OPENAPI_SERVERS)
    relative = model["servers"][1]
    assert relative["scheme"] == ""
    assert relative["host"] == ""
    assert relative["loopback"] is False


def test_server_variables_use_defaults() -> None:
    model, _ = model_of(
        """
openapi: 3.1.0
info: {title: T, version: "1"}
servers:
  - url: "{protocol}://{region}.example.com:{port}/{unknown}"
    variables:
      protocol: {default: http, enum: [http, https]}
      region: {default: EU}
      port: {default: 8080}
"""
    )
    (server,) = model["servers"]
    assert server["url"] == "{protocol}://{region}.example.com:{port}/{unknown}"
    assert server["resolvedUrl"] == "http://EU.example.com:8080/{unknown}"
    assert server["scheme"] == "http"
    assert server["host"] == "eu.example.com"


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://localhost:8080", True),
        ("http://LOCALHOST", True),
        ("http://api.localhost/v1", True),
        ("http://127.0.0.1", True),
        ("http://127.10.20.30:9000", True),
        ("http://[::1]:8080", True),
        ("http://0.0.0.0", True),
        ("http://localhost.example.com", False),
        ("http://10.0.0.1", False),
        ("http://128.0.0.1", False),
        ("https://api.example.com", False),
    ],
)
def test_loopback_hosts(url: str, loopback: bool) -> None:
    model, _ = model_of(f"openapi: 3.0.3\nservers:\n  - url: '{url}'\n")
    assert model["servers"][0]["loopback"] is loopback


def test_ipv6_loopback_host_has_no_brackets() -> None:
    model, _ = model_of("openapi: 3.0.3\nservers:\n  - url: 'http://[::1]:80/'\n")
    assert model["servers"][0]["host"] == "::1"


# Security requirements

SECURITY = """
openapi: 3.0.3
info: {title: Pets, version: "1"}
security:
  - oauth: [read]
paths:
  /inherit:
    get:
      responses: {"200": {description: ok}}
  /override:
    post:
      security:
        - key: []
      responses: {"201": {description: created}}
  /public:
    delete:
      security: []
      responses: {"204": {description: deleted}}
  /optional:
    put:
      security:
        - {}
        - key: []
      responses: {"200": {description: ok}}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-API-Key}
    oauth:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://login.example.com/token
          scopes: {read: read}
"""


def test_security_inherited_from_root() -> None:
    model, _ = model_of(SECURITY)
    inherited = operation(model, "get", "/inherit")
    assert inherited["security"] == [{"oauth": ["read"]}]
    assert inherited["securitySource"] == "root"
    assert inherited["auth"] == "required"
    assert inherited["write"] is False


def test_security_overridden_by_operation() -> None:
    model, _ = model_of(SECURITY)
    overridden = operation(model, "post", "/override")
    assert overridden["security"] == [{"key": []}]
    assert overridden["securitySource"] == "operation"
    assert overridden["auth"] == "required"
    assert overridden["write"] is True


def test_empty_security_list_is_public() -> None:
    model, _ = model_of(SECURITY)
    public = operation(model, "delete", "/public")
    assert public["security"] == []
    assert public["securitySource"] == "operation"
    assert public["auth"] == "public"


def test_empty_requirement_is_optional() -> None:
    model, _ = model_of(SECURITY)
    optional = operation(model, "put", "/optional")
    assert optional["security"] == [{}, {"key": []}]
    assert optional["auth"] == "optional"


def test_no_security_anywhere() -> None:
    model, _ = model_of(
        """
openapi: 3.0.3
paths:
  /pets:
    get:
      responses: {"200": {description: ok}}
"""
    )
    only = only_operation(model)
    assert only["security"] == []
    assert only["securitySource"] == "none"
    assert only["auth"] == "none"


def test_root_empty_security_is_public() -> None:
    model, _ = model_of(
        "openapi: 3.0.3\nsecurity: []\npaths:\n  /a:\n    get: {responses: {}}\n"
    )
    only = only_operation(model)
    assert only["securitySource"] == "root"
    assert only["auth"] == "public"


def test_undefined_scheme_references() -> None:
    model, _ = model_of(
        """
openapi: 3.0.3
security:
  - missingRoot: []
paths:
  /pets:
    get:
      security:
        - key: []
          missingOp: [read]
      responses: {"200": {description: ok}}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
"""
    )
    assert model["undefinedSchemeReferences"] == [
        {"name": "missingRoot", "$source": "/security/0/missingRoot"},
        {"name": "missingOp", "$source": "/paths/~1pets/get/security/0/missingOp"},
    ]


def test_inherited_undefined_reference_reported_once() -> None:
    model, _ = model_of(
        """
swagger: "2.0"
security:
  - nowhere: []
paths:
  /a: {get: {responses: {}}, post: {responses: {}}}
"""
    )
    names = [entry["name"] for entry in model["undefinedSchemeReferences"]]
    assert names == ["nowhere"]


# Security schemes and OAuth URLs


def test_swagger_security_definitions() -> None:
    model, _ = model_of(
        """
swagger: "2.0"
securityDefinitions:
  basicAuth: {type: basic}
  key: {type: apiKey, in: query, name: api_key}
  implicit:
    {type: oauth2, flow: implicit, authorizationUrl: "https://a.example.com/auth"}
  password: {type: oauth2, flow: password, tokenUrl: "https://a.example.com/token"}
  application:
    {type: oauth2, flow: application, tokenUrl: "https://a.example.com/token"}
  accessCode:
    type: oauth2
    flow: accessCode
    authorizationUrl: "http://a.example.com/auth"
    tokenUrl: "https://a.example.com/token"
    scopes: {}
"""
    )
    schemes = {scheme["name"]: scheme for scheme in model["securitySchemes"]}
    assert schemes["basicAuth"]["type"] == "http"
    assert schemes["basicAuth"]["scheme"] == "basic"
    assert schemes["key"]["type"] == "apiKey"
    assert schemes["key"]["in"] == "query"
    assert schemes["key"]["$source"] == "/securityDefinitions/key"
    flows = {name: schemes[name]["flows"][0]["flow"] for name in list(schemes)[2:]}
    assert flows == {
        "implicit": "implicit",
        "password": "password",
        "application": "clientCredentials",
        "accessCode": "authorizationCode",
    }
    access_code = schemes["accessCode"]["flows"][0]
    assert access_code["authorizationUrl"] == "http://a.example.com/auth"
    assert access_code["tokenUrl"] == "https://a.example.com/token"
    assert access_code["refreshUrl"] == ""
    assert access_code["$source"] == "/securityDefinitions/accessCode/flow"


def test_swagger_oauth_urls() -> None:
    model, _ = model_of(
        """
swagger: "2.0"
securityDefinitions:
  code:
    type: oauth2
    flow: accessCode
    authorizationUrl: "http://localhost:9000/auth"
    tokenUrl: "https://a.example.com/token"
"""
    )
    authorization, token = model["oauthUrls"]
    assert authorization["kind"] == "authorizationUrl"
    assert authorization["scheme"] == "http"
    assert authorization["loopback"] is True
    assert authorization["schemeName"] == "code"
    assert authorization["$source"] == "/securityDefinitions/code/authorizationUrl"
    assert token["kind"] == "tokenUrl"
    assert token["host"] == "a.example.com"


OAUTH = """
openapi: 3.1.0
components:
  securitySchemes:
    bearer: {type: http, scheme: Bearer, bearerFormat: JWT}
    mtls: {type: mutualTLS}
    oidc:
      type: openIdConnect
      openIdConnectUrl: "http://id.example.com/.well-known/openid-configuration"
    oauth:
      type: oauth2
      flows:
        implicit:
          authorizationUrl: "http://auth.example.com/authorize"
          scopes: {}
        authorizationCode:
          authorizationUrl: "https://auth.example.com/authorize"
          tokenUrl: "https://auth.example.com/token"
          refreshUrl: "https://auth.example.com/refresh"
          scopes: {}
"""


def test_openapi_security_schemes() -> None:
    model, _ = model_of(OAUTH)
    schemes = {scheme["name"]: scheme for scheme in model["securitySchemes"]}
    assert schemes["bearer"]["type"] == "http"
    assert schemes["bearer"]["scheme"] == "bearer"
    assert schemes["mtls"]["type"] == "mutualTLS"
    assert schemes["oidc"]["openIdConnectUrl"].startswith("http://id.example.com/")
    assert [flow["flow"] for flow in schemes["oauth"]["flows"]] == [
        "implicit",
        "authorizationCode",
    ]
    code_flow = schemes["oauth"]["flows"][1]
    assert code_flow["refreshUrl"] == "https://auth.example.com/refresh"
    assert code_flow["$source"] == (
        "/components/securitySchemes/oauth/flows/authorizationCode"
    )


def test_openapi_oauth_urls() -> None:
    model, _ = model_of(OAUTH)
    kinds = [
        (url["schemeName"], url["kind"], url["scheme"]) for url in model["oauthUrls"]
    ]
    assert kinds == [
        ("oidc", "openIdConnectUrl", "http"),
        ("oauth", "authorizationUrl", "http"),
        ("oauth", "authorizationUrl", "https"),
        ("oauth", "tokenUrl", "https"),
        ("oauth", "refreshUrl", "https"),
    ]
    assert model["oauthUrls"][1]["$source"] == (
        "/components/securitySchemes/oauth/flows/implicit/authorizationUrl"
    )
    assert model["oauthUrls"][1]["host"] == "auth.example.com"


def test_security_scheme_through_ref() -> None:
    model, problems = model_of(
        """
openapi: 3.0.3
components:
  securitySchemes:
    key: {$ref: "#/x-shared/key"}
x-shared:
  key: {type: apiKey, in: cookie, name: session}
"""
    )
    (scheme,) = model["securitySchemes"]
    assert scheme["in"] == "cookie"
    assert scheme["$source"] == "/x-shared/key"
    assert problems == []


# Responses and rate limits

RESPONSES = """
openapi: 3.0.3
paths:
  /pets:
    get:
      responses:
        "200":
          description: ok
          headers:
            X-RateLimit-Remaining: {schema: {type: integer}}
        "429": {$ref: "#/components/responses/TooMany"}
        default: {description: error}
    post:
      responses:
        "201": {description: created}
        4XX: {$ref: "#/components/responses/Plain"}
    put:
      responses:
        "200": {description: ok}
components:
  responses:
    TooMany:
      description: slow down
      headers:
        Retry-After: {schema: {type: integer}}
        RateLimit-Policy: {schema: {type: string}}
    Plain: {description: client error}
"""


def test_response_codes_as_written() -> None:
    model, _ = model_of(RESPONSES)
    assert operation(model, "get", "/pets")["responseCodes"] == [
        "200",
        "429",
        "default",
    ]
    assert operation(model, "post", "/pets")["responseCodes"] == ["201", "4XX"]


def test_429_headers_through_ref() -> None:
    model, _ = model_of(RESPONSES)
    get = operation(model, "get", "/pets")
    assert get["has429"] is True
    assert get["retryAfterOn429"] is True
    assert get["rateLimitHeaders"] == [
        "x-ratelimit-remaining",
        "retry-after",
        "ratelimit-policy",
    ]
    too_many = get["responses"][1]
    assert too_many["headers"] == ["retry-after", "ratelimit-policy"]
    assert too_many["$source"] == "/components/responses/TooMany"


def test_4xx_range_counts_as_429() -> None:
    model, _ = model_of(RESPONSES)
    post = operation(model, "post", "/pets")
    assert post["has429"] is True
    assert post["retryAfterOn429"] is False
    assert post["rateLimitHeaders"] == []


def test_operation_without_429() -> None:
    model, _ = model_of(RESPONSES)
    put = operation(model, "put", "/pets")
    assert put["has429"] is False
    assert put["retryAfterOn429"] is False
    assert put["$source"] == "/paths/~1pets/put"


def test_any_has_429_at_root() -> None:
    with_429, _ = model_of(RESPONSES)
    without, _ = model_of(
        "openapi: 3.0.3\n"
        "info: {title: t, version: '1'}\n"
        "paths: {/a: {get: {responses: {'200': {description: ok}}}}}\n"
    )

    assert with_429["anyHas429"] is True
    assert without["anyHas429"] is False


def test_swagger_response_ref() -> None:
    model, problems = model_of(
        """
swagger: "2.0"
paths:
  /a:
    get:
      responses:
        "429": {$ref: "#/responses/Limited"}
responses:
  Limited:
    description: limited
    headers:
      X-Rate-Limit-Reset: {type: integer}
"""
    )
    only = only_operation(model)
    assert only["rateLimitHeaders"] == ["x-rate-limit-reset"]
    assert only["retryAfterOn429"] is False
    assert problems == []


def test_parameters_merge_path_and_operation() -> None:
    model, _ = model_of(
        """
openapi: 3.0.3
paths:
  /pets/{id}:
    parameters:
      - {name: id, in: path, required: true}
      - {$ref: "#/components/parameters/Token"}
    get:
      parameters:
        - {name: token, in: query, required: true}
      responses: {}
components:
  parameters:
    Token: {name: token, in: query}
"""
    )
    parameters = only_operation(model)["parameters"]
    assert [(p["name"], p["in"], p["required"]) for p in parameters] == [
        ("id", "path", True),
        ("token", "query", True),
    ]
    assert parameters[1]["$source"] == "/paths/~1pets~1{id}/get/parameters/0"


# $ref resolution


def test_local_ref_cycle_reported_once() -> None:
    model, problems = model_of(
        """
openapi: 3.0.3
paths:
  /a:
    get:
      responses:
        "200": {$ref: "#/components/responses/A"}
        "201": {$ref: "#/components/responses/B"}
components:
  responses:
    A: {$ref: "#/components/responses/B"}
    B: {$ref: "#/components/responses/A"}
"""
    )
    responses = only_operation(model)["responses"]
    assert [response["headers"] for response in responses] == [[], []]
    (problem,) = problems
    assert "cycle" in problem.message
    assert "'#/components/responses/A'" in problem.message
    assert problem.pointer == ("components", "responses", "B")
    assert problem.level == "warning"


def test_self_referencing_path_item() -> None:
    model, problems = model_of('openapi: 3.0.3\npaths:\n  /b: {$ref: "#/paths/~1b"}\n')
    assert model["operations"] == []
    (problem,) = problems
    assert "cycle" in problem.message
    assert problem.pointer == ("paths", "/b")


def test_remote_ref_not_fetched(monkeypatch: pytest.MonkeyPatch) -> None:
    def reject_connect(*args: object) -> None:
        raise AssertionError("the model opened a network connection")

    def reject_file(path: Path) -> Any:
        raise AssertionError(f"the model loaded {path}")

    monkeypatch.setattr(socket.socket, "connect", reject_connect)
    model, problems = model_of(
        """
openapi: 3.0.3
paths:
  /a:
    get:
      responses:
        "429": {$ref: "https://example.com/common.yaml#/responses/Limited"}
""",
        path=Path("/nonexistent/api.yaml"),
        root=Path("/nonexistent"),
        load_file=reject_file,
    )
    (problem,) = problems
    assert problem.level == "note"
    assert "https://example.com/common.yaml" in problem.message
    assert "not fetched" in problem.message
    assert problem.pointer == ("paths", "/a", "get", "responses", "429")
    assert only_operation(model)["has429"] is True


def test_unresolved_ref_is_a_warning() -> None:
    _, problems = model_of(
        """
openapi: 3.0.3
paths:
  /a:
    get:
      responses:
        "200": {$ref: "#/components/responses/Missing"}
"""
    )
    (problem,) = problems
    assert problem.level == "warning"
    assert "#/components/responses/Missing" in problem.message


def test_file_ref_inside_root(tmp_path: Path) -> None:
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "responses.yaml").write_text(
        "Limited:\n"
        "  description: limited\n"
        "  headers:\n"
        "    Retry-After: {schema: {type: integer}}\n"
        "Again: {$ref: '#/Limited'}\n",
        encoding="utf-8",
    )
    main = tmp_path / "api.yaml"
    main.write_text(
        """
openapi: 3.0.3
paths:
  /a:
    get:
      responses:
        "429": {$ref: "./common/responses.yaml#/Again"}
""",
        encoding="utf-8",
    )
    model, problems = build_model(
        load_yaml(main), path=main, root=tmp_path, load_file=load_yaml
    )
    (response,) = only_operation(model)["responses"]
    assert response["headers"] == ["retry-after"]
    assert response["$source"] == "/paths/~1a/get/responses/429"
    assert only_operation(model)["retryAfterOn429"] is True
    assert problems == []


@pytest.mark.parametrize("target", ["parent", "absolute", "symlink"])
def test_file_ref_leaving_root(tmp_path: Path, target: str) -> None:
    api = tmp_path / "api"
    api.mkdir()
    outside = tmp_path / "outside.yaml"
    outside.write_text("Limited: {description: x}\n", encoding="utf-8")
    (api / "link.yaml").symlink_to(outside)
    ref = {
        "parent": "../outside.yaml#/Limited",
        "absolute": f"{outside}#/Limited",
        "symlink": "link.yaml#/Limited",
    }[target]
    loaded: list[Path] = []

    def load(path: Path) -> Any:
        loaded.append(path)
        return load_yaml(path)

    data = {
        "openapi": "3.0.3",
        "paths": {"/a": {"get": {"responses": {"429": {"$ref": ref}}}}},
    }
    _, problems = build_model(data, path=api / "api.yaml", root=api, load_file=load)
    (problem,) = problems
    assert "leaves the scan root, not followed" in problem.message
    assert ref in problem.message
    assert problem.pointer == ("paths", "/a", "get", "responses", "429")
    assert loaded == []


def test_file_ref_back_to_document(tmp_path: Path) -> None:
    (tmp_path / "common.yaml").write_text(
        "Limited: {$ref: 'api.yaml#/components/responses/Local'}\n",
        encoding="utf-8",
    )
    data = {
        "openapi": "3.0.3",
        "paths": {
            "/a": {"get": {"responses": {"429": {"$ref": "common.yaml#/Limited"}}}}
        },
        "components": {
            "responses": {"Local": {"headers": {"Retry-After": {}}}},
        },
    }
    model, problems = build_model(
        data, path=tmp_path / "api.yaml", root=tmp_path, load_file=load_yaml
    )
    (response,) = only_operation(model)["responses"]
    assert response["headers"] == ["retry-after"]
    assert response["$source"] == "/components/responses/Local"
    assert problems == []


def test_unreadable_file_ref(tmp_path: Path) -> None:
    _, problems = model_of(
        """
openapi: 3.0.3
paths:
  /a:
    get:
      responses:
        "200": {$ref: "missing.yaml#/R"}
""",
        path=tmp_path / "api.yaml",
        root=tmp_path,
        load_file=load_yaml,
    )
    (problem,) = problems
    assert problem.level == "warning"
    assert "missing.yaml" in problem.message


def test_reference_budget_stops() -> None:
    references = [{"$ref": "#/components/parameters/P"}] * (MAX_REFERENCES + 50)
    data = {
        "openapi": "3.0.3",
        "paths": {"/a": {"parameters": references, "get": {"responses": {}}}},
        "components": {"parameters": {"P": {"name": "p", "in": "query"}}},
    }
    model, problems = build_model(data)
    (problem,) = problems
    assert str(MAX_REFERENCES) in problem.message
    assert len(model["operations"]) == 1


def test_long_ref_chain_stops() -> None:
    count = MAX_REFERENCES + 100
    responses: dict[str, Any] = {
        f"R{i}": {"$ref": f"#/components/responses/R{i + 1}"} for i in range(count)
    }
    responses[f"R{count}"] = {"description": "end"}
    first = {"$ref": "#/components/responses/R0"}
    data = {
        "openapi": "3.0.3",
        "paths": {"/a": {"get": {"responses": {"200": first}}}},
        "components": {"responses": responses},
    }
    model, problems = build_model(data)
    (problem,) = problems
    assert "stopped resolving $ref" in problem.message
    assert only_operation(model)["responses"][0]["headers"] == []


def test_alias_bomb_searched_once() -> None:
    levels = ["  x-l0: &l0 {x-token: Qw8Er4Ty6Ui2Op9L}"]
    for level in range(1, 12):
        items = ", ".join([f"*l{level - 1}"] * 10)
        levels.append(f"  x-l{level}: &l{level} [{items}]")
    text = "openapi: 3.0.3\ncomponents:\n" + "\n".join(levels) + "\n"
    model, problems = model_of(text)
    assert [entry["name"] for entry in model["credentialValues"]] == ["x-token"]
    assert problems == []


# Credential values

CREDENTIALS = """
openapi: 3.0.3
paths:
  /login:
    post:
      parameters:
        - name: X-API-Key
          in: header
          example: "k7Qp2Zr9Lm4Tx8Wv"
        - name: token
          in: query
          examples:
            real: {value: "n3Vb8Xq1Lk5Rt7Zp"}
            placeholder: {value: "${TOKEN}"}
      requestBody:
        content:
          application/json:
            example: {user: alice, password: "Hx9!mQ2#vL7pRz"}
      responses: {}
components:
  schemas:
    Login:
      properties:
        password: {type: string, example: changeme}
        client_secret: {type: string, default: "<your-token>"}
        accessToken: {type: string, x-example: "eyJhbGciOiJIUzI1NiJ9abc"}
        author: {type: string, example: "Jane Q. Writer-Smith"}
        clientSecret: {type: string, x-go-name: ClientSecretField}
  x-api-token: "Zt4Kq9Wm2Rx7Lp3V"
"""


def credential_values(text: str) -> list[dict[str, Any]]:
    model, _ = model_of(text)
    values: list[dict[str, Any]] = model["credentialValues"]
    return values


def test_credential_values_found() -> None:
    found = {entry["secret"]: entry for entry in credential_values(CREDENTIALS)}
    assert found["k7Qp2Zr9Lm4Tx8Wv"]["name"] == "X-API-Key"
    assert found["k7Qp2Zr9Lm4Tx8Wv"]["where"] == "example"
    assert (
        found["k7Qp2Zr9Lm4Tx8Wv"]["$source"]
        == "/paths/~1login/post/parameters/0/example"
    )
    assert found["n3Vb8Xq1Lk5Rt7Zp"]["where"] == "examples"
    assert found["n3Vb8Xq1Lk5Rt7Zp"]["$source"] == (
        "/paths/~1login/post/parameters/1/examples/real/value"
    )
    assert found["Hx9!mQ2#vL7pRz"]["name"] == "password"
    assert found["eyJhbGciOiJIUzI1NiJ9abc"]["where"] == "x-example"
    assert found["Zt4Kq9Wm2Rx7Lp3V"]["name"] == "x-api-token"
    assert found["Zt4Kq9Wm2Rx7Lp3V"]["where"] == "x-api-token"


def test_credential_values_exclude_others() -> None:
    secrets = {entry["secret"] for entry in credential_values(CREDENTIALS)}
    assert secrets == {
        "k7Qp2Zr9Lm4Tx8Wv",
        "n3Vb8Xq1Lk5Rt7Zp",
        "Hx9!mQ2#vL7pRz",
        "eyJhbGciOiJIUzI1NiJ9abc",
        "Zt4Kq9Wm2Rx7Lp3V",
    }


@pytest.mark.parametrize("value", ["${TOKEN}", "changeme", "<your-token>", "abc123"])
def test_credential_placeholders_skipped(value: str) -> None:
    text = (
        "openapi: 3.0.3\ncomponents:\n  schemas:\n    S:\n      properties:\n"
        f"        token: {{type: string, example: '{value}'}}\n"
    )
    assert credential_values(text) == []


def test_credential_in_swagger_parameter() -> None:
    found = credential_values(
        """
swagger: "2.0"
parameters:
  key:
    name: api_key
    in: header
    type: string
    x-example: "Wq7Lz3Xp9Rk2Vn5T"
securityDefinitions:
  key: {type: apiKey, in: header, name: X-Key, x-secret: "Jm4Pz8Qx2Lr6Vt9K"}
"""
    )
    assert [(entry["name"], entry["where"]) for entry in found] == [
        ("api_key", "x-example"),
        ("x-secret", "x-secret"),
    ]


def test_credential_search_survives_deep_nesting() -> None:
    data: dict[str, Any] = {"openapi": "3.0.3"}
    node = data.setdefault("components", {})
    for _ in range(5000):
        node = node.setdefault("x-nested", {})
    node["x-token"] = "Qw8Er4Ty6Ui2Op9L"
    model, problems = build_model(data)
    assert [entry["name"] for entry in model["credentialValues"]] == ["x-token"]
    assert problems == []


# Real descriptions


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(path for path in CORPUS.iterdir() if path.is_file())


@pytest.mark.skipif(not corpus_files(), reason="OpenAPI corpus folder not found")
def test_corpus_models_build() -> None:
    for path in corpus_files():
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        model, problems = build_model(data, path=path, root=CORPUS, load_file=load_yaml)
        assert model["version"] in {"2.0", "3.0", "3.1"}, path.name
        assert all(isinstance(problem, ModelProblem) for problem in problems)
