// Before sign-in the page follows the browser's language; this lets the reader choose another one of ours.
// Signed in, the customer's own setting (on /settings) decides instead.
import { h } from "./dom.js";
import { chooseLanguage, currentLanguage, LANGUAGES, t } from "./i18n.js";

/** Each language named in itself ("Deutsch"), as language pickers do; no catalogue entry needed. */
function nameOf(language) {
  try {
    const name = new Intl.DisplayNames([language], { type: "language" }).of(language);
    return name.charAt(0).toLocaleUpperCase(language) + name.slice(1);
  } catch {
    return language;
  }
}

/** A labelled language picker; `onChange` runs after the new language is in use. */
export function languageSwitcher(onChange) {
  const select = h(
    "select",
    { id: "language-switcher", "aria-label": t("app.language") },
    LANGUAGES.map((language) =>
      h("option", { value: language, lang: language, selected: language === currentLanguage() }, nameOf(language)),
    ),
  );
  select.addEventListener("change", () => {
    chooseLanguage(select.value);
    onChange();
  });
  return h("div", { class: "language" }, select);
}
