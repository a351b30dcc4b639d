// Changes the API guards with a recent proof of identity answer STEP_UP_REQUIRED: then this asks for the
// password (or a two-factor or recovery code), sends stepUp, and tries the change again, once.
import { h } from "./dom.js";
import { field, formMessage, showErrors, submit } from "./forms.js";
import { request } from "./graphql.js";
import { t } from "./i18n.js";
import { STEP_UP } from "./operations.js";
import { hasCode, worded } from "./security-ui.js";

let sequence = 0;

/**
 * Runs `attempt` (a function returning a mutation payload with userErrors, or null when the request failed).
 * When it answers STEP_UP_REQUIRED, shows the step-up panel after `anchor`, and after a successful stepUp
 * runs `attempt` again. Resolves with the final payload, or null when the customer cancelled.
 */
export async function withStepUp(anchor, attempt) {
  const payload = await attempt();
  if (!payload || !hasCode(payload.userErrors, "STEP_UP_REQUIRED")) return payload;
  const proven = await askToConfirm(anchor);
  return proven ? attempt() : null;
}

function askToConfirm(anchor) {
  return new Promise((resolve) => {
    const id = `step-up-${++sequence}`;
    let useCode = false;
    const password = field({ name: "password", label: t("stepUp.password"), type: "password", autocomplete: "current-password" });
    const code = field({ name: "code", label: t("stepUp.code"), autocomplete: "one-time-code" });
    code.hidden = true;
    const toggle = h("button", { type: "button", class: "link" }, t("stepUp.useCode"));
    const cancel = h("button", { type: "button", class: "small" }, t("stepUp.cancel"));
    const form = h(
      "form",
      { novalidate: true },
      formMessage(),
      password,
      code,
      h("div", { class: "actions" }, h("button", { type: "submit" }, t("stepUp.confirm")), cancel, toggle),
    );
    const panel = h(
      "section",
      { class: "panel", "aria-labelledby": `${id}-title` },
      h("h2", { id: `${id}-title`, tabindex: "-1" }, t("stepUp.title")),
      h("p", {}, t("stepUp.text")),
      form,
    );
    const close = (result) => {
      panel.remove();
      resolve(result);
    };
    toggle.addEventListener("click", () => {
      useCode = !useCode;
      password.hidden = useCode;
      code.hidden = !useCode;
      toggle.textContent = t(useCode ? "stepUp.usePassword" : "stepUp.useCode");
      (useCode ? code : password).querySelector("input").focus();
    });
    cancel.addEventListener("click", () => close(false));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const input = useCode
        ? { code: form.elements.code.value.replace(/\s/g, "") }
        : { password: form.elements.password.value };
      const data = await submit(form, () => request(STEP_UP, { input }));
      if (!data) return;
      const errors = data.stepUp.userErrors;
      if (errors.length) {
        // The server names `password` for any wrong proof; show it where the customer typed.
        const here = useCode ? "code" : "password";
        showErrors(form, worded(errors).map((error) => ({ ...error, field: error.field ? [here] : null })));
        return;
      }
      close(true);
    });
    anchor.after(panel);
    panel.querySelector("h2").focus();
  });
}
