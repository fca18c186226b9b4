"""Incidents of an organization: list and filter, read with its timeline, acknowledge, notes."""
