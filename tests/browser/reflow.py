"""WCAG 2.2's reflow check (1.4.10): a page read at 320 CSS pixels wide does not scroll sideways."""

from __future__ import annotations

from playwright.sync_api import Page

# WCAG 2.2's reflow criterion (1.4.10): content reads at 320 CSS pixels wide without scrolling
# in two directions. A table may scroll inside its own region; the page itself may not.
REFLOW_WIDTH = 320

# The elements sticking out past the page's right edge, innermost first, as "tag.class (right px)".
_OVERFLOWING = """
(width) => {
  const found = [];
  const clippedAbove = (element) => {
    for (let up = element.parentElement; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      const scrolls = style.overflowX !== 'visible' && style.overflowX !== 'clip';
      if (scrolls || style.display === 'none') return true;
    }
    return false;
  };
  for (const element of document.body.querySelectorAll('*')) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1) continue;
    const shown = getComputedStyle(element).visibility !== 'hidden';
    if (!clippedAbove(element) && shown) {
      const classes = typeof element.className === 'string' ? element.className.trim() : '';
      const name = element.tagName.toLowerCase() + (classes ? '.' + classes.split(/\\s+/).join('.') : '');
      const text = (element.textContent || '').trim().slice(0, 60);
      found.push(`${name} (to ${Math.round(box.right)} px): ${text}`);
    }
  }
  // Text wider than its box (a long word) widens the page without widening any element's box.
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(walker.currentNode);
    const box = range.getBoundingClientRect();
    const parent = walker.currentNode.parentElement;
    if (box.width > 0 && box.right > width + 0.5 && !clippedAbove(walker.currentNode)) {
      found.push(`text in ${parent.tagName.toLowerCase()}.${parent.className} (to ${box.right} px): `
        + walker.currentNode.textContent.trim().slice(0, 60));
    }
  }
  return found.slice(-8);
}
"""


def check_reflow(page: Page) -> None:
    """At 320 px wide the page does not scroll sideways (then the viewport is put back)."""
    viewport = page.viewport_size
    page.set_viewport_size({"width": REFLOW_WIDTH, "height": viewport["height"] if viewport else 800})
    try:
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > REFLOW_WIDTH:
            sticking_out = page.evaluate(_OVERFLOWING, REFLOW_WIDTH)
            raise AssertionError(
                f"{page.url} scrolls sideways at {REFLOW_WIDTH} px: it is {scroll_width} px wide. "
                "Sticking out:\n  " + "\n  ".join(sticking_out)
            )
    finally:
        if viewport:
            page.set_viewport_size(viewport)
