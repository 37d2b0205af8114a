// Title completion for the search box: enhances each input marked data-app-suggest (the search
// form works without it). Typing asks /api/v1/suggest; choosing a title opens that entry; Enter
// with no title chosen searches for the typed words, as without JavaScript.
//
// accessible-autocomplete is a UMD bundle: loaded as a module it sets window.accessibleAutocomplete.
import "./accessible-autocomplete/accessible-autocomplete.min.js";

const DELAY_MS = 200;
const MIN_LENGTH = 2;
const MAX_LENGTH = 200; // what /api/v1/suggest accepts

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Asks for suggestions once typing pauses, dropping answers to older questions.
function suggester(url) {
  let timer;
  let controller;
  return (query, populateResults) => {
    clearTimeout(timer);
    if (controller) controller.abort();
    const text = query.trim();
    if (text.length < MIN_LENGTH || text.length > MAX_LENGTH) {
      populateResults([]);
      return;
    }
    timer = setTimeout(async () => {
      controller = new AbortController();
      try {
        const response = await fetch(`${url}?${new URLSearchParams({ q: text })}`, {
          headers: { Accept: "application/json" },
          signal: controller.signal,
        });
        populateResults(response.ok ? (await response.json()).items : []);
      } catch (error) {
        if (error.name !== "AbortError") populateResults([]);
      }
    }, DELAY_MS);
  };
}

function enhance(input) {
  const form = input.form;
  const container = document.createElement("div");
  container.className = "app-search-autocomplete";
  input.insertAdjacentElement("afterend", container);
  const describedBy = input.getAttribute("aria-describedby");
  input.remove();

  window.accessibleAutocomplete({
    element: container,
    id: input.id,
    name: input.name,
    defaultValue: input.value,
    source: suggester(input.dataset.appSuggest),
    minLength: MIN_LENGTH,
    showNoOptionsFound: false,
    confirmOnBlur: false,
    // The list lies over the page rather than pushing the Search button down: inline, the list
    // closed as the box lost focus to a click on the button, the button jumped up from under the
    // pointer and the click was lost (the usability review, issue 12).
    displayMenu: "overlay",
    inputClasses: "govuk-input",
    // Options are {title, slug} from the API, except the box's starting text, which is a string.
    templates: {
      inputValue: (option) => (typeof option === "string" ? option : option ? option.title : ""),
      suggestion: (option) => escapeHtml(typeof option === "string" ? option : option.title),
    },
    onConfirm: (option) => {
      if (option && option.slug) {
        window.location.assign(`/datasets/${encodeURIComponent(option.slug)}`);
      }
    },
  });

  const box = container.querySelector("input[role=combobox]");
  if (describedBy && box) {
    const own = box.getAttribute("aria-describedby");
    box.setAttribute("aria-describedby", [describedBy, own].filter(Boolean).join(" "));
  }
  // The component keeps Enter to itself while its list is open; with no title chosen, search.
  container.addEventListener(
    "keydown",
    (event) => {
      if (event.key !== "Enter" || event.target !== box || box.getAttribute("aria-activedescendant")) return;
      event.preventDefault();
      form.requestSubmit();
    },
    true,
  );
}

document.querySelectorAll("input[data-app-suggest]").forEach(enhance);
