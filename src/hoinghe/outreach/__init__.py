"""Outreach sessions and trainings: who was reached, against the plan's coverage targets."""
