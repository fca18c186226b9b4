"""Debian's Chromium as the browser tests and the bench drive it (through Playwright, which never downloads
a browser of its own): where it is and the flags it runs with here."""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking"]
