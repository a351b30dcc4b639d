// Change the sign-in email address: requestEmailChange (after a step-up when the API asks for one), then
// say where the link went: to the new address, or first to the current one when the change is held.
import { h, replace } from "../dom.js";
import { field, formMessage, showErrors, submit } from "../forms.js";
import { request } from "../graphql.js";
import { t, useLanguage } from "../i18n.js";
import { EMAIL_PAGE, REQUEST_EMAIL_CHANGE } from "../operations.js";
import { href } from "../router.js";
import { worded } from "../security-ui.js";
import { withStepUp } from "../step-up.js";

export async function render() {
  const { me } = await request(EMAIL_PAGE);
  useLanguage(me.settings.language);
  const form = h(
    "form",
    { novalidate: true },
    formMessage(),
    field({ name: "newEmail", label: t("changeEmail.new"), type: "email", autocomplete: "email" }),
    h("button", { type: "submit" }, t("changeEmail.submit")),
  );
  const back = () => h("p", {}, h("a", { href: href("/security") }, t("security.back")));
  const section = h(
    "section",
    { class: "narrow" },
    back(),
    h("h1", { tabindex: "-1" }, t("changeEmail.title")),
    h("p", {}, t("changeEmail.current", { email: me.email })),
    h("p", { class: "muted" }, t("changeEmail.text")),
    form,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = { newEmail: form.elements.newEmail.value.trim() };
    const payload = await withStepUp(form, async () => {
      const data = await submit(form, () => request(REQUEST_EMAIL_CHANGE, { input }));
      return data && data.requestEmailChange;
    });
    if (!payload) return;
    if (payload.userErrors.length) {
      showErrors(form, worded(payload.userErrors));
      return;
    }
    const held = payload.status === "AWAITING_OLD_ADDRESS";
    replace(
      section,
      back(),
      h("h1", { tabindex: "-1" }, t(held ? "changeEmail.heldTitle" : "changeEmail.sentTitle")),
      h(
        "p",
        { role: "status" },
        held
          ? t("changeEmail.heldText", { old: me.email, email: input.newEmail })
          : t("changeEmail.sentText", { old: me.email, email: input.newEmail }),
      ),
      h("p", { class: "muted" }, t("changeEmail.sentHint")),
    );
    section.querySelector("h1").focus();
  });
  return section;
}
