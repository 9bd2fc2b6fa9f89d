"""Normalized models of documents, which `on: model` rules query."""
