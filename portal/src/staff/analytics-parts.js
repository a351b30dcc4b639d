// Pieces of the analytics page: the figures in README "Analytics"'s groups, a value formatted by its unit in the
// reader's language, a period's name, and one figure as a table (period × value, with a bar).
import "./messages.js";
import { h } from "../dom.js";
import { currentLocale, t } from "../i18n.js";

/** The figures, grouped as README "Analytics" lists them (the keys name the groups' headings). */
export const FIGURE_GROUPS = [
  ["registration", ["REGISTRATIONS_STARTED", "REGISTRATION_COMPLETION", "REGISTRATION_ACTIVATION", "REGISTRATION_CONVERSION", "TIME_TO_ACTIVATE"]],
  ["selfService", ["SELF_SERVICE_RATE", "ORDERS", "TICKETS", "TICKETS_PER_1000_ORDERS"]],
  ["help", ["HELP_SEARCHES", "HELP_ARTICLE_VIEWS", "HELP_SEARCHES_WITHOUT_TICKET", "HELP_VIEWS_WITHOUT_TICKET"]],
  ["payments", ["PAYMENT_SUCCESS_RATE"]],
  ["signIns", ["SIGN_INS", "ACTIVE_ACCOUNTS", "TWO_FACTOR_ADOPTION"]],
  ["repeat", ["REPEAT_PURCHASE_SELF_SERVICE", "REPEAT_PURCHASE_NO_SELF_SERVICE", "REPEAT_PURCHASE_LIFT"]],
];

const number = (options) => new Intl.NumberFormat(currentLocale(), options);

/** A duration of `seconds` in the largest unit that keeps it readable: "45 s", "12 min", "3.5 h", "2.1 days". */
function duration(seconds) {
  const [amount, unit] =
    seconds < 120
      ? [seconds, "second"]
      : seconds < 7200
        ? [seconds / 60, "minute"]
        : seconds < 172800
          ? [seconds / 3600, "hour"]
          : [seconds / 86400, "day"];
  return number({ style: "unit", unit, unitDisplay: unit === "day" ? "long" : "short", maximumFractionDigits: 1 }).format(
    amount,
  );
}

/** A point's value as its unit reads (COUNT, RATIO, PER_THOUSAND, SECONDS, LIFT); null: not a number. */
export function formatValue(value, unit) {
  if (value === null || value === undefined) return null;
  switch (unit) {
    case "RATIO":
      return number({ style: "percent", maximumFractionDigits: 1 }).format(value);
    case "LIFT":
      return number({ style: "percent", maximumFractionDigits: 1, signDisplay: "exceptZero" }).format(value);
    case "PER_THOUSAND":
      return t("staff.analytics.perThousand", { value: number({ maximumFractionDigits: 1 }).format(value) });
    case "SECONDS":
      return duration(value);
    default:
      return number({ maximumFractionDigits: 0 }).format(value);
  }
}

const DAY_FORMAT = { dateStyle: "medium", timeZone: "UTC" };

/** A period by its first day: "24 Mar 2025", "Week from 24 Mar 2025", "March 2025" (days are UTC). */
export function periodLabel(point, granularity) {
  const start = new Date(`${point.periodStart}T00:00:00Z`);
  if (granularity === "MONTH") {
    return new Intl.DateTimeFormat(currentLocale(), { month: "long", year: "numeric", timeZone: "UTC" }).format(start);
  }
  const day = new Intl.DateTimeFormat(currentLocale(), DAY_FORMAT).format(start);
  return granularity === "WEEK" ? t("staff.analytics.weekFrom", { day }) : day;
}

/** One figure: its name, what it counts (README "Analytics"), and a table of its periods. */
export function figureTable(series, granularity, channel) {
  const id = `staff-analytics-${series.figure.toLowerCase()}`;
  const values = series.points.map((point) => point.value).filter((value) => value !== null);
  const largest = Math.max(0, ...values.map(Math.abs));
  const row = (point) => {
    const shown = formatValue(point.value, series.unit);
    const bar = h("span", { class: "staff-analytics-bar", "aria-hidden": "true" });
    bar.style.setProperty("--share", largest && shown !== null ? String(Math.abs(point.value) / largest) : "0");
    return h(
      "tr",
      { "data-period": point.periodStart },
      h("th", { scope: "row" }, periodLabel(point, granularity)),
      h(
        "td",
        { class: "num" },
        shown === null
          ? [h("span", {}, "—"), " ", h("span", { class: "muted staff-analytics-none" }, t("staff.analytics.nothingToDivide"))]
          : shown,
        bar,
      ),
    );
  };
  return h(
    "section",
    { class: "staff-analytics-figure", "data-figure": series.figure },
    h("h3", { id }, t(`staff.analytics.figure.${series.figure}`)),
    h("p", { class: "muted" }, t(`staff.analytics.about.${series.figure}`)),
    channel && !series.byChannel ? h("p", { class: "muted" }, t("staff.analytics.everyChannel")) : null,
    h(
      "table",
      { "aria-labelledby": id },
      h(
        "thead",
        {},
        h("tr", {}, h("th", { scope: "col" }, t("staff.analytics.period")), h("th", { scope: "col", class: "num" }, t("staff.analytics.value"))),
      ),
      h("tbody", {}, series.points.map(row)),
    ),
  );
}
