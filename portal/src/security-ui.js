// Shared parts of the security pages: a device named from its user agent, a date with its time, and
// userErrors worded from our catalogue by their code (the server's message when we have no wording).
import { RequestFailed, SignedOut } from "./graphql.js";
import { currentLanguage, messagesFor, t } from "./i18n.js";

const BROWSERS = [
  [/Edg(e|A|iOS)?\//, "Edge"],
  [/OPR\/|Opera/, "Opera"],
  [/SamsungBrowser\//, "Samsung Internet"],
  [/Firefox\/|FxiOS\//, "Firefox"],
  [/Chrome\/|Chromium\/|CriOS\//, "Chrome"],
  [/Safari\//, "Safari"],
];
const SYSTEMS = [
  [/iPhone|iPad|iPod/, "iOS"],
  [/Android/, "Android"],
  [/Windows/, "Windows"],
  [/Mac OS X|Macintosh/, "macOS"],
  [/CrOS/, "ChromeOS"],
  [/Linux/, "Linux"],
];

/** "Chrome on Linux" from a user agent; a generic name when we cannot tell. */
export function describeDevice(userAgent) {
  const ua = userAgent || "";
  const browser = (BROWSERS.find(([pattern]) => pattern.test(ua)) || [])[1];
  const system = (SYSTEMS.find(([pattern]) => pattern.test(ua)) || [])[1];
  if (browser && system) return t("security.deviceOn", { browser, system });
  return browser || system || t("security.unknownDevice");
}

/** Date and time in the reader's language and the customer's time zone. */
export function formatDateTime(iso, timeZone) {
  if (!iso) return "";
  const options = { dateStyle: "medium", timeStyle: "short" };
  try {
    return new Intl.DateTimeFormat(currentLanguage(), timeZone ? { ...options, timeZone } : options).format(new Date(iso));
  } catch {
    return new Intl.DateTimeFormat(currentLanguage(), options).format(new Date(iso));
  }
}

/** The userErrors with their message in the reader's language where our catalogue words the code. */
export function worded(userErrors) {
  const catalogue = messagesFor(currentLanguage()) || {};
  return userErrors.map((error) => {
    const key = `securityError.${error.code}`;
    return key in catalogue ? { ...error, message: t(key) } : error;
  });
}

export function hasCode(userErrors, code) {
  return userErrors.some((error) => error.code === code);
}

/**
 * Runs an action that is no form (a button in a list): its buttons are disabled meanwhile, and a failure
 * that is no userError (network, server) is said in `message`. Returns the work's result, or null.
 */
export async function runAction(buttons, message, work) {
  for (const button of buttons) button.disabled = true;
  message.hidden = true;
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof SignedOut)) {
      message.textContent = error instanceof RequestFailed && error.code === "NETWORK" ? t("app.network") : t("app.error");
      message.hidden = false;
    }
    return null;
  } finally {
    for (const button of buttons) button.disabled = false;
  }
}
