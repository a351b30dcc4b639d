// The shop's figures (README "Analytics"), grouped as the README groups them, one table per figure.
// Filters live in the address: ?from=YYYY-MM-DD&to=YYYY-MM-DD&granularity=DAY|WEEK|MONTH&group=<id>&channel=ONLINE|POS
// (days in UTC, as the API counts them, both included); a value that is not one of these falls back to the
// default: the last 30 days, by day, every group and channel. What the API refuses is said beside the form.
import { h } from "../../dom.js";
import { request } from "../../graphql.js";
import { t, useLanguage } from "../../i18n.js";
import { formatMoment } from "../../moments.js";
import { navigate } from "../../router.js";
import { FIGURE_GROUPS, figureTable } from "../analytics-parts.js";
import { STAFF_ANALYTICS_PAGE } from "../operations.js";

const GRANULARITIES = ["DAY", "WEEK", "MONTH"];
const CHANNELS = ["ONLINE", "POS"];
const GROUP_ID = /^[A-Za-z0-9+/=_-]{1,200}$/;

/** "YYYY-MM-DD" when `value` is a real calendar day, else "". */
function day(value) {
  const text = (value || "").trim();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return "";
  const parsed = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === text ? text : "";
}

function daysBefore(iso, days) {
  return new Date(Date.parse(`${iso}T00:00:00Z`) - days * 86400000).toISOString().slice(0, 10);
}

function wanted(query) {
  const today = new Date().toISOString().slice(0, 10);
  const one = (name, allowed) => (allowed.includes(query.get(name)) ? query.get(name) : "");
  const group = (query.get("group") || "").trim();
  return {
    from: day(query.get("from")) || daysBefore(today, 29),
    to: day(query.get("to")) || today,
    granularity: one("granularity", GRANULARITIES) || "DAY",
    group: GROUP_ID.test(group) ? group : "",
    channel: one("channel", CHANNELS),
  };
}

function addressOf(filters) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value) params.set(name, value);
  return `/staff/analytics?${params}`;
}

function select(name, label, options, chosen) {
  return h(
    "div",
    { class: "field" },
    h("label", { for: `staff-analytics-${name}` }, label),
    h(
      "select",
      { id: `staff-analytics-${name}`, name },
      options.map(([value, text]) => h("option", { value, selected: value === chosen }, text)),
    ),
  );
}

function filterForm(filters, groups, errors) {
  const dayField = (name) =>
    h(
      "div",
      { class: "field" },
      h("label", { for: `staff-analytics-${name}` }, t(`staff.analytics.${name}`)),
      h("input", { id: `staff-analytics-${name}`, name, type: "date", value: filters[name], required: true }),
    );
  const form = h(
    "form",
    { class: "filters staff-analytics-filters", "aria-label": t("staff.analytics.filters") },
    dayField("from"),
    dayField("to"),
    select(
      "granularity",
      t("staff.analytics.granularity"),
      GRANULARITIES.map((value) => [value, t(`staff.analytics.granularity.${value}`)]),
      filters.granularity,
    ),
    select(
      "group",
      t("staff.analytics.group"),
      [["", t("staff.analytics.anyGroup")], ...groups.map((group) => [group.id, group.name])],
      filters.group,
    ),
    select(
      "channel",
      t("staff.analytics.channel"),
      [["", t("staff.analytics.anyChannel")], ...CHANNELS.map((value) => [value, t(`staff.analytics.channel.${value}`)])],
      filters.channel,
    ),
    errors.length
      ? h(
          "div",
          { class: "form-error", role: "alert" },
          errors.map((error) => h("p", { "data-code": error.code }, t(`staff.analytics.error.${error.code}`))),
        )
      : null,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "small" }, t("staff.analytics.apply"))),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = (name) => form.elements[name].value;
    navigate(
      addressOf({
        from: value("from"),
        to: value("to"),
        granularity: value("granularity"),
        group: value("group"),
        channel: value("channel"),
      }),
    );
  });
  return form;
}

export async function render({ query }) {
  const filters = wanted(query);
  const input = {
    from: filters.from,
    to: filters.to,
    granularity: filters.granularity,
    groupId: filters.group || null,
    channel: filters.channel || null,
  };
  const { me, customerGroups, analytics } = await request(STAFF_ANALYTICS_PAGE, { input });
  useLanguage(me.settings.language);
  const { timezone: timeZone, language } = me.settings;
  const { report, userErrors } = analytics;
  const section = h(
    "section",
    { class: "staff-analytics" },
    h("h1", { tabindex: "-1" }, t("staff.analytics.title")),
    h("p", { class: "muted" }, t("staff.analytics.intro")),
    filterForm(filters, customerGroups, userErrors),
  );
  if (!report) return section;

  section.append(
    h(
      "p",
      { class: "staff-analytics-counted" },
      report.countedUntil
        ? t("staff.analytics.countedUntil", { when: formatMoment(report.countedUntil, timeZone, language) })
        : t("staff.analytics.notCountedYet"),
      " ",
      h("a", { href: report.csvUrl, download: "" }, t("staff.analytics.csv")),
    ),
  );
  const byFigure = new Map(report.series.map((series) => [series.figure, series]));
  for (const [group, figures] of FIGURE_GROUPS) {
    const shown = figures.filter((figure) => byFigure.has(figure));
    if (!shown.length) continue;
    const id = `staff-analytics-group-${group}`;
    section.append(
      h(
        "section",
        { class: "staff-analytics-group", "aria-labelledby": id },
        h("h2", { id }, t(`staff.analytics.group.${group}`)),
        shown.map((figure) => figureTable(byFigure.get(figure), report.granularity, report.channel)),
      ),
    );
  }
  return section;
}
