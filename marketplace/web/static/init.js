// Starts GOV.UK Frontend's components. A module file rather than an inline script, so the
// Content-Security-Policy allows no inline script of ours.
import { initAll } from "./govuk-frontend.min.js";

initAll();
