"""The browser tests' tools: Debian's Chromium through Playwright, axe-core checks, and screenshots.

Chromium is /usr/bin/chromium (scripts/install-test-tools.sh installs Debian's package); Playwright never
downloads a browser of its own. axe-core comes from services/web/node_modules (npm ci, by `make sync`).
Screenshots go to .run/artifacts/screenshots/<name>-desktop.png and -phone.png.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page

from uptick_devstack.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: F401 - the fixtures' browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "services/web/node_modules/axe-core/axe.min.js"
SCREENSHOTS = ROOT / ".run/artifacts/screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def missing_tool(what: str) -> None:
    """In CI a missing tool fails the run; on a laptop the browser tests skip, loudly."""
    message = f"{what}: run `make test` (scripts/install-test-tools.sh, scripts/web-assets.sh) to install it"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(f"SKIPPED BROWSER TESTS: {message}")


async def check_axe(page: Page, name: str) -> None:
    """axe-core on the page as it is now: fails on any serious or critical violation, naming each.
    Injected through page.evaluate, which the page's Content-Security-Policy does not govern."""
    if not AXE.exists():
        missing_tool(f"axe-core is not installed at {AXE}")
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(AXE.read_text())
    result: dict[str, Any] = await page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)")
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    lines = [f"{v['impact']}: {v['id']}: {v['help']} — "
             + "; ".join(node["target"][0] if isinstance(node["target"][0], str) else str(node["target"])
                         for node in v["nodes"][:5]) for v in bad]
    assert not bad, f"accessibility violations on {name}:\n" + "\n".join(lines)


async def check_axe_dark(page: Page, name: str) -> None:
    """axe with the system's dark preference (then back to light), and a dark screenshot."""
    await page.emulate_media(color_scheme="dark")
    await check_axe(page, f"{name} (dark)")
    await screenshots(page, f"{name}-dark")
    await page.emulate_media(color_scheme="light")


async def screenshots(page: Page, name: str) -> list[Path]:
    """The page at desktop and phone sizes (full page), saved as artifacts; the viewport is restored after.
    At phone size the page must not scroll sideways (a layout a phone cannot use)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size or DESKTOP
    saved = []
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        await page.set_viewport_size(size)
        await page.wait_for_timeout(150)  # let layout settle after the resize
        if label == "phone":
            await assert_no_horizontal_scroll(page, name)
        path = SCREENSHOTS / f"{name}-{label}.png"
        await page.screenshot(path=str(path), full_page=True)
        saved.append(path)
    await page.set_viewport_size(before)
    return saved


async def assert_no_horizontal_scroll(page: Page, name: str) -> None:
    widths = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{name} scrolls sideways at phone size: {widths[0]}px wide in {widths[1]}px"
