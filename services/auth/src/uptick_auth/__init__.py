"""Uptick auth: sign-up, log-in, log-out and sessions; signs the access tokens every service verifies."""
