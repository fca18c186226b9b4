"""The web service: serves the dashboard (static files, history routing) to the browser."""
