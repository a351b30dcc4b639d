// Every string the reader sees, one catalogue per language. Adding a language is adding a catalogue here.
// Numbers, money and dates go through Intl in the reader's locale.

const MESSAGES = {
  en: {
    "app.title": "My Account",
    "app.skip": "Skip to content",
    "app.loading": "Loading…",
    "app.error": "Something went wrong. Please try again.",
    "app.network": "We cannot reach the server. Check your connection and try again.",
    "nav.home": "Account",
    "nav.orders": "Orders",
    "nav.signOut": "Sign out",
    "nav.back": "Back",
    "signIn.title": "Sign in",
    "signIn.email": "Email address",
    "signIn.password": "Password",
    "signIn.submit": "Sign in",
    "signIn.twoFactorTitle": "Two-step verification",
    "signIn.twoFactorHint": "Enter the code from your authenticator app.",
    "signIn.code": "Code from your app",
    "signIn.recoveryCode": "Recovery code",
    "signIn.useRecovery": "Use a recovery code instead",
    "signIn.useApp": "Use a code from your app instead",
    "signIn.verify": "Verify",
    "signIn.challengeExpired": "This sign-in took too long. Please start again.",
    "signOut.title": "You are signed out",
    "signOut.again": "Sign in again",
    "home.greeting": "Hello, {name}",
    "home.greetingNoName": "Hello",
    "home.email": "Signed in as {email}",
    "home.sections": "Your account",
    "home.orders": "Orders",
    "home.ordersHint": "Track your orders and see their details",
    "orders.title": "Your orders",
    "orders.empty": "You have no orders yet.",
    "orders.number": "Order",
    "orders.placedAt": "Placed",
    "orders.status": "Status",
    "orders.total": "Total",
    "orders.more": "Show more orders",
    "order.title": "Order {number}",
    "order.notFound": "We cannot find this order.",
    "order.lines": "Items",
    "order.item": "Item",
    "order.quantity": "Quantity",
    "order.unitPrice": "Unit price",
    "order.lineTotal": "Amount",
    "order.subtotal": "Subtotal",
    "order.discount": "Discount",
    "order.shipping": "Shipping",
    "order.tax": "Tax",
    "order.total": "Total",
    "notFound.title": "Page not found",
    "notFound.home": "Go to your account",
    "status.PENDING_PAYMENT": "Awaiting payment",
    "status.PAID": "Paid",
    "status.PROCESSING": "Processing",
    "status.PARTIALLY_SHIPPED": "Partially shipped",
    "status.SHIPPED": "Shipped",
    "status.DELIVERED": "Delivered",
    "status.CANCELLED": "Cancelled",
    "status.REFUNDED": "Refunded",
  },
  de: {
    "app.title": "Mein Konto",
    "app.skip": "Zum Inhalt springen",
    "app.loading": "Wird geladen …",
    "app.error": "Etwas ist schiefgegangen. Bitte versuchen Sie es erneut.",
    "app.network": "Der Server ist nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.",
    "nav.home": "Konto",
    "nav.orders": "Bestellungen",
    "nav.signOut": "Abmelden",
    "nav.back": "Zurück",
    "signIn.title": "Anmelden",
    "signIn.email": "E-Mail-Adresse",
    "signIn.password": "Passwort",
    "signIn.submit": "Anmelden",
    "signIn.twoFactorTitle": "Bestätigung in zwei Schritten",
    "signIn.twoFactorHint": "Geben Sie den Code aus Ihrer Authentifizierungs-App ein.",
    "signIn.code": "Code aus Ihrer App",
    "signIn.recoveryCode": "Wiederherstellungscode",
    "signIn.useRecovery": "Stattdessen einen Wiederherstellungscode verwenden",
    "signIn.useApp": "Stattdessen einen Code aus der App verwenden",
    "signIn.verify": "Bestätigen",
    "signIn.challengeExpired": "Die Anmeldung hat zu lange gedauert. Bitte beginnen Sie neu.",
    "signOut.title": "Sie sind abgemeldet",
    "signOut.again": "Wieder anmelden",
    "home.greeting": "Hallo, {name}",
    "home.greetingNoName": "Hallo",
    "home.email": "Angemeldet als {email}",
    "home.sections": "Ihr Konto",
    "home.orders": "Bestellungen",
    "home.ordersHint": "Verfolgen Sie Ihre Bestellungen und sehen Sie die Details",
    "orders.title": "Ihre Bestellungen",
    "orders.empty": "Sie haben noch keine Bestellungen.",
    "orders.number": "Bestellung",
    "orders.placedAt": "Aufgegeben",
    "orders.status": "Status",
    "orders.total": "Summe",
    "orders.more": "Weitere Bestellungen anzeigen",
    "order.title": "Bestellung {number}",
    "order.notFound": "Diese Bestellung finden wir nicht.",
    "order.lines": "Artikel",
    "order.item": "Artikel",
    "order.quantity": "Menge",
    "order.unitPrice": "Stückpreis",
    "order.lineTotal": "Betrag",
    "order.subtotal": "Zwischensumme",
    "order.discount": "Rabatt",
    "order.shipping": "Versand",
    "order.tax": "Steuer",
    "order.total": "Gesamt",
    "notFound.title": "Seite nicht gefunden",
    "notFound.home": "Zu Ihrem Konto",
    "status.PENDING_PAYMENT": "Zahlung ausstehend",
    "status.PAID": "Bezahlt",
    "status.PROCESSING": "In Bearbeitung",
    "status.PARTIALLY_SHIPPED": "Teilweise versandt",
    "status.SHIPPED": "Versandt",
    "status.DELIVERED": "Zugestellt",
    "status.CANCELLED": "Storniert",
    "status.REFUNDED": "Erstattet",
  },
};

export const LANGUAGES = Object.keys(MESSAGES);
const LANGUAGE_KEY = "customer-accounts.language";

let locale = "en";
let language = "en";

/** The catalogue for a BCP 47 tag ("de-CH" → de); null when we have none. */
export function catalogueFor(tag) {
  const primary = String(tag || "").toLowerCase().split("-")[0];
  return LANGUAGES.includes(primary) ? primary : null;
}

/** Chooses the language: the customer's setting when known, else the last one used, else the browser's. */
export function useLanguage(preferred) {
  const candidates = [preferred, sessionStorage.getItem(LANGUAGE_KEY), ...(navigator.languages || []), navigator.language];
  const tag = candidates.find((candidate) => catalogueFor(candidate)) || "en";
  language = catalogueFor(tag);
  locale = tag;
  if (preferred && catalogueFor(preferred)) sessionStorage.setItem(LANGUAGE_KEY, preferred);
  document.documentElement.lang = language;
  document.title = t("app.title");
  const skip = document.querySelector(".skip");
  if (skip) skip.textContent = t("app.skip");
}

export function currentLanguage() {
  return language;
}

/** The message `key` in the current language, with {name} placeholders filled from `values`. */
export function t(key, values = {}) {
  const message = MESSAGES[language][key] ?? MESSAGES.en[key] ?? key;
  return message.replace(/\{(\w+)\}/g, (_, name) => (name in values ? String(values[name]) : `{${name}}`));
}

/** A Money ({amount: "12.50", currencyCode: "EUR"}) in the reader's locale: "12,50 €" for de. */
export function formatMoney(money) {
  if (!money) return "";
  return new Intl.NumberFormat(locale, { style: "currency", currency: money.currencyCode }).format(Number(money.amount));
}

/** An ISO date-time in the reader's locale and time zone. */
export function formatDate(iso, timeZone) {
  if (!iso) return "";
  const options = { dateStyle: "medium" };
  if (timeZone) options.timeZone = timeZone;
  try {
    return new Intl.DateTimeFormat(locale, options).format(new Date(iso));
  } catch {
    return new Intl.DateTimeFormat(locale, { dateStyle: "medium" }).format(new Date(iso));
  }
}

export function messagesFor(lang) {
  return MESSAGES[lang];
}
