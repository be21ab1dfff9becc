"""Compliance audits of existing units against the rules in force, and what-if comparisons with a draft pack."""
