"""Commands of the outreach."""
