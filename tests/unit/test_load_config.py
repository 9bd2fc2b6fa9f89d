from __future__ import annotations

import pytest

from apiguard.load import Document, ParseProblem
from apiguard.load_config import config_syntax, parse_config
from apiguard.load_hcl import parse_hcl

TERRAFORM = """\
resource "aws_api_gateway_method" "get" {
  http_method = "GET"

  authorization = "NONE"
}

resource "aws_api_gateway_stage" "prod" {
  stage_name = "prod"
  access_log_settings {
    destination_arn = "arn:aws:logs:us-east-1:123456789012:log-group:api"
  }
  access_log_settings {
    format = "$context.requestId"
  }
}
"""


@pytest.mark.parametrize(
    ("relpath", "text", "syntax"),
    [
        ("infra/main.tf", "", "terraform"),
        ("nginx/site.conf", "server {\n  listen 80;\n}\n", "nginx"),
        ("etc/nginx/sites-available/default", "server {\n}\n", "nginx"),
        ("conf.d/api.conf", "  proxy_pass http://backend;\n", "nginx"),
        ("supervisord.conf", "[program:web]\ncommand=run\n", None),
        ("nginx/readme.md", "server {\n}\n", None),
        ("deploy/values.yaml", "server {\n", None),
    ],
)
def test_config_syntax(relpath: str, text: str, syntax: str | None) -> None:
    assert config_syntax(relpath, text) == syntax


def test_hcl_attribute_spans_are_exact() -> None:
    document = parse_hcl(TERRAFORM)
    assert isinstance(document, Document)

    base = ("resource", 0, "aws_api_gateway_method", "get")
    span = document.span((*base, "authorization"))
    assert span is not None
    assert (span.value.start_line, span.value.start_column) == (4, 19)
    assert span.key is not None
    assert (span.key.start_line, span.key.start_column) == (4, 3)


def test_hcl_block_spans_follow_dict_indexes() -> None:
    document = parse_hcl(TERRAFORM)
    assert isinstance(document, Document)

    stage = ("resource", 1, "aws_api_gateway_stage", "prod")
    assert document.data["resource"][1]["aws_api_gateway_stage"]["prod"][
        "access_log_settings"
    ][1] == {"format": "$context.requestId"}
    second = document.span((*stage, "access_log_settings", 1, "format"))
    assert second is not None
    assert second.value.start_line == 13
    label = document.span(stage)
    assert label is not None
    assert label.key is not None
    assert label.key.start_line == 7


def test_hcl_heredoc_with_trailing_blanks_parses() -> None:
    text = 'locals {\n  policy = <<EOT\n{"a": 1}\nEOT  \n}\n'

    document = parse_hcl(text)

    assert isinstance(document, Document)
    assert document.data["locals"][0]["policy"].strip() == '{"a": 1}'


def test_hcl_syntax_error_has_line() -> None:
    problem = parse_hcl('resource "a" "b" {\n  name = \n}\n')

    assert isinstance(problem, ParseProblem)
    assert problem.line == 2


def test_nginx_directive_spans() -> None:
    text = "http {\n    server {\n        listen 80;\n    }\n}\n"

    (document,) = parse_config("nginx", text)

    assert isinstance(document, Document)
    assert document.data[0]["directive"] == "http"
    span = document.span((0, "block", 0, "block", 0))
    assert span is not None
    assert (span.value.start_line, span.value.start_column) == (3, 9)


def test_nginx_snippet_outside_http_parses() -> None:
    (document,) = parse_config("nginx", "server {\n    listen 443 ssl;\n}\n")

    assert isinstance(document, Document)
    assert document.data[0]["block"][0]["args"] == ["443", "ssl"]


def test_nginx_syntax_error_gives_no_document() -> None:
    results = parse_config("nginx", "server {\n    listen 80;\n")

    assert len(results) == 1
    problem = results[0]
    assert isinstance(problem, ParseProblem)
    assert problem.line == 2
    assert "/tmp" not in problem.message
