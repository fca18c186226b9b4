"""Invitations by e-mail: a signed, expiring, single-use link to join an organization with a role."""
