"""Alert channels of an organization: CRUD, a test notification, the delivery log."""
