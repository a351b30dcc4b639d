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
    "signIn.forgot": "Forgot your password?",
    "signIn.register": "Create an account",
    "signIn.activateSms": "Activate your account with a code from an SMS",
    "register.title": "Create an account",
    "register.email": "Email address",
    "register.password": "Password",
    "register.passwordHint": "10 to 128 characters; not a common password and not your email address.",
    "register.firstName": "First name (optional)",
    "register.lastName": "Last name (optional)",
    "register.phone": "Mobile phone (optional)",
    "register.phoneHint": "With the country code, e.g. +49 30 1234567.",
    "register.group": "Customer type",
    "register.submit": "Create account",
    "register.haveAccount": "Already have an account?",
    "register.signIn": "Sign in",
    "register.checkMailTitle": "Check your email",
    "register.checkMailText": "We have sent a link to {email}. Open it to activate your account.",
    "register.checkMailHint": "No email? Look in your spam folder, or register again to get a new link.",
    "register.smsTitle": "Enter the code we texted you",
    "register.smsText": "We have sent a code to {phone}.",
    "register.approvalTitle": "Thank you for registering",
    "register.approvalText": "We review new accounts of this type and will email you once yours is approved.",
    "register.readyTitle": "Your account is ready",
    "register.readyText": "You can sign in now.",
    "activate.smsTitle": "Activate your account",
    "activate.smsHint": "Enter your phone number and the code we texted you.",
    "activate.phone": "Mobile phone",
    "activate.code": "Code from the SMS",
    "activate.submit": "Activate",
    "activate.doneTitle": "Your account is active",
    "activate.doneText": "Sign in with your email address and password.",
    "activate.signIn": "Sign in",
    "activate.failedTitle": "We could not activate your account",
    "activate.failedHint": "The link may have expired or been used already. Register again to get a new one.",
    "activate.registerAgain": "Get a new activation link",
    "forgot.title": "Forgot your password?",
    "forgot.text": "Enter your email address and we will send you a link to choose a new password.",
    "forgot.email": "Email address",
    "forgot.submit": "Send the link",
    "forgot.sentTitle": "Check your email",
    "forgot.sentText": "If there is an account for {email}, we have sent it a link to reset the password.",
    "forgot.sentHint": "The link works once and for a limited time.",
    "forgot.signIn": "Back to sign in",
    "reset.title": "Choose a new password",
    "reset.newPassword": "New password",
    "reset.submit": "Save the new password",
    "reset.noToken": "This page needs the link from our email.",
    "reset.requestAgain": "Send me a new link",
    "reset.doneTitle": "Your password has been changed",
    "reset.doneText": "Sign in with your new password.",
    "reset.signIn": "Sign in",
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
    "signIn.forgot": "Passwort vergessen?",
    "signIn.register": "Konto erstellen",
    "signIn.activateSms": "Konto mit einem Code aus einer SMS aktivieren",
    "register.title": "Konto erstellen",
    "register.email": "E-Mail-Adresse",
    "register.password": "Passwort",
    "register.passwordHint": "10 bis 128 Zeichen; kein gängiges Passwort und nicht Ihre E-Mail-Adresse.",
    "register.firstName": "Vorname (optional)",
    "register.lastName": "Nachname (optional)",
    "register.phone": "Mobiltelefon (optional)",
    "register.phoneHint": "Mit Landesvorwahl, z. B. +49 30 1234567.",
    "register.group": "Kundenart",
    "register.submit": "Konto anlegen",
    "register.haveAccount": "Sie haben bereits ein Konto?",
    "register.signIn": "Anmelden",
    "register.checkMailTitle": "Prüfen Sie Ihre E-Mails",
    "register.checkMailText": "Wir haben einen Link an {email} gesendet. Öffnen Sie ihn, um Ihr Konto zu aktivieren.",
    "register.checkMailHint": "Keine E-Mail erhalten? Sehen Sie im Spam-Ordner nach oder registrieren Sie sich erneut, um einen neuen Link zu erhalten.",
    "register.smsTitle": "Geben Sie den Code aus unserer SMS ein",
    "register.smsText": "Wir haben einen Code an {phone} gesendet.",
    "register.approvalTitle": "Danke für Ihre Registrierung",
    "register.approvalText": "Wir prüfen neue Konten dieser Art und schreiben Ihnen, sobald Ihres freigegeben ist.",
    "register.readyTitle": "Ihr Konto ist bereit",
    "register.readyText": "Sie können sich jetzt anmelden.",
    "activate.smsTitle": "Konto aktivieren",
    "activate.smsHint": "Geben Sie Ihre Telefonnummer und den Code aus unserer SMS ein.",
    "activate.phone": "Mobiltelefon",
    "activate.code": "Code aus der SMS",
    "activate.submit": "Aktivieren",
    "activate.doneTitle": "Ihr Konto ist aktiviert",
    "activate.doneText": "Melden Sie sich mit Ihrer E-Mail-Adresse und Ihrem Passwort an.",
    "activate.signIn": "Anmelden",
    "activate.failedTitle": "Ihr Konto konnte nicht aktiviert werden",
    "activate.failedHint": "Der Link ist vielleicht abgelaufen oder wurde schon verwendet. Registrieren Sie sich erneut, um einen neuen zu erhalten.",
    "activate.registerAgain": "Neuen Aktivierungslink anfordern",
    "forgot.title": "Passwort vergessen?",
    "forgot.text": "Geben Sie Ihre E-Mail-Adresse ein, dann senden wir Ihnen einen Link, um ein neues Passwort festzulegen.",
    "forgot.email": "E-Mail-Adresse",
    "forgot.submit": "Link senden",
    "forgot.sentTitle": "Prüfen Sie Ihre E-Mails",
    "forgot.sentText": "Falls es ein Konto für {email} gibt, haben wir ihm einen Link zum Zurücksetzen des Passworts gesendet.",
    "forgot.sentHint": "Der Link funktioniert einmal und nur für begrenzte Zeit.",
    "forgot.signIn": "Zurück zur Anmeldung",
    "reset.title": "Neues Passwort festlegen",
    "reset.newPassword": "Neues Passwort",
    "reset.submit": "Neues Passwort speichern",
    "reset.noToken": "Diese Seite braucht den Link aus unserer E-Mail.",
    "reset.requestAgain": "Neuen Link senden",
    "reset.doneTitle": "Ihr Passwort wurde geändert",
    "reset.doneText": "Melden Sie sich mit Ihrem neuen Passwort an.",
    "reset.signIn": "Anmelden",
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
