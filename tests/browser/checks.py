"""What every browser test checks on a page: axe's WCAG 2.2 AA rules, reflow at 320 px wide, and a
screenshot to look at."""

from __future__ import annotations

import re
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.browser.reflow import check_reflow

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
_axe = Axe()  # axe-core bundled in the package: nothing is fetched


def check_accessibility(page: Page) -> None:
    """Run axe on the page as it is now; fail listing each violation (rule, impact, elements, help)."""
    results = _axe.run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    violations = results.response["violations"]
    if violations:
        raise AssertionError(describe_violations(page, violations))


def describe_violations(page: Page, violations: list[dict]) -> str:
    lines = [f"{len(violations)} accessibility violation(s) on {page.url} ({page.title()}):"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"    {violation['helpUrl']}")
        for node in violation["nodes"]:
            target = " ".join(
                " >> ".join(part) if isinstance(part, list) else part for part in node["target"]
            )
            lines.append(f"    at {target}: {' '.join(node['html'].split())[:200]}")
            summary = " ".join((node.get("failureSummary") or "").split())
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


def save_screenshot(page: Page, name: str) -> Path:
    """Save the whole page as test-artifacts/screenshots/<name>.png (the folder is ignored by git)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower()).strip('-')}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def check_page(page: Page, name: str) -> None:
    """Screenshot the page, then check it with axe and at 320 px wide (WCAG 2.2, 1.4.10: no
    sideways scrolling): the usual end of a page-type test."""
    save_screenshot(page, name)
    check_accessibility(page)
    check_reflow(page)
