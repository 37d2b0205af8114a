// The find page's filters on a phone: folded behind "Show filters" so that the results come
// first (the GOV.UK filter pattern). Without this script the filters simply stay open. On wider
// screens the panel is always open and its button hidden (app.css).
const SMALL = window.matchMedia("(max-width: 40.0525em)");

for (const toggle of document.querySelectorAll(".app-filters-toggle")) {
  const summary = toggle.querySelector(".app-filters-toggle__summary");
  const chosen = summary.textContent.replace(summary.dataset.showText, "");
  const label = () => {
    summary.textContent = (toggle.open ? summary.dataset.hideText : summary.dataset.showText) + chosen;
  };
  // A filter with an error stays open, so the error the summary links to can be seen.
  const fit = () => {
    toggle.open = !SMALL.matches || toggle.querySelector(".govuk-form-group--error") !== null;
    label();
  };
  toggle.addEventListener("toggle", label);
  SMALL.addEventListener("change", fit);
  fit();
}
