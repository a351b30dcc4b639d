// Labelled fields whose typed userErrors appear next to them, and a form-level message for the rest.
import { h } from "./dom.js";
import { RequestFailed, SignedOut } from "./graphql.js";
import { t } from "./i18n.js";

let sequence = 0;

/** A labelled input; `name` is the input field the server's userErrors name (their `field` path's end). */
export function field({ name, label, type = "text", autocomplete, required = true, inputmode, hint, value }) {
  const id = `field-${name}-${++sequence}`;
  const error = h("p", { class: "field-error", id: `${id}-error`, "data-error-for": name, hidden: true });
  const hintElement = hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null;
  const describedBy = hint ? `${id}-hint ${id}-error` : `${id}-error`;
  const input = h("input", { id, name, type, autocomplete, required, inputmode, value, "aria-describedby": describedBy });
  return h("div", { class: "field" }, h("label", { for: id }, label), hintElement, input, error);
}

/** A labelled choice (`options`: [{ value, label }]) whose userErrors appear next to it, like field(). */
export function choice({ name, label, options, value }) {
  const id = `field-${name}-${++sequence}`;
  const error = h("p", { class: "field-error", id: `${id}-error`, "data-error-for": name, hidden: true });
  const select = h(
    "select",
    { id, name, "aria-describedby": `${id}-error` },
    options.map((option) => h("option", { value: option.value, selected: option.value === value }, option.label)),
  );
  return h("div", { class: "field" }, h("label", { for: id }, label), select, error);
}

/** The form-level message area (errors that name no field), announced to screen readers. */
export function formMessage() {
  return h("p", { class: "form-error", role: "alert", hidden: true });
}

export function clearErrors(form) {
  for (const element of form.querySelectorAll(".field-error, .form-error")) {
    element.hidden = true;
    element.textContent = "";
  }
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

/** Shows each userError next to the field its path names, or in the form message; focuses the first. */
export function showErrors(form, userErrors) {
  clearErrors(form);
  let first = null;
  for (const error of userErrors) {
    const name = error.field && error.field.length ? error.field[error.field.length - 1] : null;
    const slot = name && form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    const target = slot || form.querySelector(".form-error");
    target.textContent = target.textContent ? `${target.textContent} ${error.message}` : error.message;
    target.hidden = false;
    const input = slot && form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (input) input.setAttribute("aria-invalid", "true");
    first = first || input || target;
  }
  if (first && first.focus) first.focus();
}

/** Disables the form's controls while `work` runs, so a double click sends one request. */
export async function busy(form, work) {
  const controls = [...form.elements].filter((element) => !element.disabled);
  for (const control of controls) control.disabled = true;
  form.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    for (const control of controls) control.disabled = false;
    form.removeAttribute("aria-busy");
  }
}

/** Runs a form's request: the form is busy meanwhile, and a failure that is no userError shows in the form. */
export async function submit(form, work) {
  try {
    return await busy(form, work);
  } catch (error) {
    if (!(error instanceof SignedOut)) {
      const network = error instanceof RequestFailed && error.code === "NETWORK";
      showErrors(form, [{ field: null, message: network ? t("app.network") : t("app.error") }]);
    }
    return null;
  }
}
