// Dates with their time of day, and calendar days in the customer's time zone (for date filters).
import { catalogueFor, currentLanguage } from "./i18n.js";

function zoneOrUndefined(timeZone) {
  try {
    if (timeZone) new Intl.DateTimeFormat("en", { timeZone });
    return timeZone || undefined;
  } catch {
    return undefined; // a zone this browser does not know: its own
  }
}

/** "12 Mar 2031, 14:05" in the customer's language (`tag`, e.g. de-CH) and time zone. */
export function formatMoment(iso, timeZone, tag) {
  if (!iso) return "";
  const locale = catalogueFor(tag) ? tag : currentLanguage();
  return new Intl.DateTimeFormat(locale, {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone: zoneOrUndefined(timeZone),
  }).format(new Date(iso));
}

/** How far `timeZone` is ahead of UTC at `instant` (ms since the epoch), in ms. */
function offset(instant, timeZone) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    })
      .formatToParts(new Date(instant))
      .map((part) => [part.type, part.value]),
  );
  const wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return wall - Math.floor(instant / 1000) * 1000;
}

/** The first instant of the calendar day "YYYY-MM-DD" (plus `days`) in `timeZone`, as ISO 8601 UTC; null if not a date. */
export function startOfDay(day, timeZone, days = 0) {
  const found = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || "");
  if (!found) return null;
  const midnight = Date.UTC(+found[1], +found[2] - 1, +found[3] + days);
  const zone = zoneOrUndefined(timeZone) || "UTC";
  // Two rounds: the offset at the guessed instant may differ from the one at the true midnight (DST).
  let instant = midnight - offset(midnight, zone);
  instant = midnight - offset(instant, zone);
  return new Date(instant).toISOString();
}
