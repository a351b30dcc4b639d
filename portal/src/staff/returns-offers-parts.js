// What the returns and offers pages of the console share: the state filter of a list (kept in the URL's query
// string, so a filtered list can be linked and reloaded) and a notice saying what the last action did.
import "./messages.js";
import { h } from "../dom.js";
import { choice } from "../forms.js";
import { t } from "../i18n.js";
import { navigate } from "../router.js";

/**
 * A small form (named `formLabel`) choosing a list's state: `options` [{ value, label }], `value` the one shown now; choosing one
 * opens `path?<name>=<value>` (one request: the list's page).
 */
export function stateFilter({ path, name, label, formLabel, options, value }) {
  const form = h(
    "form",
    { class: "staff-filter", role: "search", "aria-label": formLabel },
    choice({ name, label, options, value }),
    h("button", { type: "submit", class: "secondary" }, t("staff.returns.show")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = new FormData(form).get(name);
    navigate(chosen ? `${path}?${name}=${encodeURIComponent(chosen)}` : path);
  });
  return form;
}

/** A notice announced to screen readers: what the last action did. */
export function notice(...children) {
  return h("div", { class: "notice staff-notice", role: "status", tabindex: "-1" }, children);
}
