"""Generators of the documentation's reference pages, run by mkdocs-gen-files through ``pages.py``."""
