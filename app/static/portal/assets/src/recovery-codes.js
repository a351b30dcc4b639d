// Recovery codes, shown once: listed, copied or downloaded as text, and put away only after the customer
// says they are saved. Nothing keeps them: once "Done" is pressed they are gone from the page.
import { h } from "./dom.js";
import { t } from "./i18n.js";

export function recoveryCodesView(codes, email, onDone) {
  const text = `${t("recovery.fileTitle", { email })}\n\n${codes.join("\n")}\n`;
  const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
  const status = h("p", { class: "notice", role: "status", hidden: true });
  const copy = h("button", { type: "button", class: "small" }, t("recovery.copy"));
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      status.textContent = t("recovery.copied");
    } catch {
      status.textContent = t("recovery.copyFailed");
    }
    status.hidden = false;
  });
  const saved = h("input", { type: "checkbox", id: "recovery-saved" });
  const done = h("button", { type: "button", disabled: true }, t("recovery.done"));
  saved.addEventListener("change", () => {
    done.disabled = !saved.checked;
  });
  done.addEventListener("click", () => {
    URL.revokeObjectURL(url);
    onDone();
  });
  return h(
    "section",
    { class: "panel", "aria-labelledby": "recovery-title" },
    h("h2", { id: "recovery-title", tabindex: "-1" }, t("recovery.title")),
    h("p", {}, t("recovery.text")),
    h("p", { class: "warning" }, t("recovery.once")),
    h("ol", { class: "recovery-codes", "aria-label": t("recovery.title") }, codes.map((code) => h("li", {}, h("code", {}, code)))),
    h(
      "div",
      { class: "actions" },
      copy,
      h("a", { href: url, download: "recovery-codes.txt", class: "button-link" }, t("recovery.download")),
    ),
    status,
    h("div", { class: "check" }, saved, h("label", { for: "recovery-saved" }, t("recovery.saved"))),
    done,
  );
}
