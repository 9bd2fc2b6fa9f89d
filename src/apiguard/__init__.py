"""apiguard: a policy-as-code security linter for APIs."""

__version__ = "0.1.0"
