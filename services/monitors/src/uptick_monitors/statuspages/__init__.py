"""Status pages: the admin API, the public pages built from snapshots, their feeds, and monitors' badges."""
