"""Choose and run the parser of a configuration file that is not YAML or JSON.

Terraform files (`.tf`) and nginx configurations are parsed only when a rule
of their kind runs, and each parsed document's kind is its syntax's name.
An nginx file is a `.conf` file, or a file without suffix in a folder named
`nginx`, whose text has an nginx block or server directive.
"""

from __future__ import annotations

from pathlib import PurePosixPath

import re2

from apiguard.load import Document, ParseProblem

TERRAFORM = "terraform"
NGINX = "nginx"
CONFIG_KINDS = frozenset({TERRAFORM, NGINX})
SYNTAX_NAMES = {"yaml": "YAML", "json": "JSON", TERRAFORM: "HCL", NGINX: "nginx"}

_NGINX_HINT = re2.compile(
    r"(?m)^[ \t]*(?:(?:http|server|location|upstream|events)[ \t]*\{"
    r"|(?:listen|server_name|proxy_pass|ssl_protocols|access_log)[ \t])"
)


def config_syntax(relpath: str, text: str) -> str | None:
    """Return the kind of a Terraform or nginx file, else None."""
    path = PurePosixPath(relpath)
    suffix = path.suffix.lower()
    if suffix == ".tf":
        return TERRAFORM
    in_nginx_folder = "nginx" in path.parts[:-1] and not suffix
    if (suffix == ".conf" or in_nginx_folder) and _NGINX_HINT.search(text):
        return NGINX
    return None


def parse_config(syntax: str, text: str) -> list[Document | ParseProblem]:
    if syntax == TERRAFORM:
        from apiguard.load_hcl import parse_hcl

        return [parse_hcl(text)]
    from apiguard.load_nginx import parse_nginx

    return parse_nginx(text)
