// Starts GOV.UK Frontend's components, and GOV.UK One Login's header when a page has it (its menu
// folds behind a button on small screens). A module file rather than an inline script, so the
// Content-Security-Policy allows no inline script of ours.
import { initAll } from "./govuk-frontend.min.js";
import { initCrossServiceHeader } from "./one-login-header/service-header.js";

initAll();
initCrossServiceHeader();
