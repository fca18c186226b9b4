"""An organization's API tokens: created by its admins, shown once, revocable."""
