// Customers: find an account by name, email, phone or order number and status (kept in the address, so a
// search can be linked to and reloaded; the console home links here for the accounts waiting for approval),
// a page of results growing by "show more", the affiliate requests waiting (grant or reject, with a reason),
// and, for administrators, the credit-limit requests waiting (asked for on demand: support may not read them).
import { h, replace } from "../../dom.js";
import { choice, field } from "../../forms.js";
import { RequestFailed, request, SignedOut } from "../../graphql.js";
import { formatDate, formatMoney, t, useLanguage } from "../../i18n.js";
import { formatMoment } from "../../moments.js";
import { href, navigate } from "../../router.js";
import { guarded, rolesText, STATUSES, statusBadge, statusWords } from "../customers-parts.js";
import {
  STAFF_AFFILIATE_REQUESTS_MORE,
  STAFF_CREDIT_LIMIT_REQUESTS,
  STAFF_CUSTOMERS_MORE,
  STAFF_CUSTOMERS_PAGE,
  STAFF_GRANT_ROLE,
  STAFF_REJECT_AFFILIATE_REQUEST,
} from "../operations.js";
import { actionForm, customerLink, customerName, pagedList } from "../parts.js";

export async function render({ query }) {
  const text = (query.get("query") || "").trim();
  const status = STATUSES.includes(query.get("status")) ? query.get("status") : "";
  const filter = { query: text || null, status: status || null };
  const { me, customers, affiliateRequests } = await request(STAFF_CUSTOMERS_PAGE, { filter });
  useLanguage(me.settings.language);
  const { timezone: timeZone, language } = me.settings;
  const moment = (iso) => h("time", { datetime: iso }, formatMoment(iso, timeZone, language));

  const row = (customer) =>
    h(
      "li",
      { class: "staff-customer-row" },
      h("strong", {}, customerLink(customer)),
      h("span", {}, customer.email),
      statusBadge(customer.status),
      h("span", { class: "muted" }, t("staff.customers.groupOf", { group: customer.group.name })),
      h("span", { class: "muted" }, rolesText(customer.roles)),
      h("span", { class: "muted" }, t("staff.customers.registered", { date: formatDate(customer.createdAt, timeZone) })),
    );
  const [list, more] = pagedList(
    customers,
    (nodes) => nodes.map(row),
    async (after) => (await request(STAFF_CUSTOMERS_MORE, { filter, after })).customers,
    { "aria-label": t("staff.customers.results") },
  );
  const found = customers.edges.length
    ? [list, more]
    : h("p", { class: "muted" }, text || status ? t("staff.customers.noneFound") : t("staff.none"));

  return h(
    "section",
    { class: "staff-customers" },
    h("h1", { tabindex: "-1" }, t("staff.customers.title")),
    h("p", { class: "staff-entry" }, h("a", { href: href("/staff/customers/new") }, t("staff.customers.create"))),
    searchForm(text, status),
    h("h2", {}, status ? t("staff.customers.resultsWithStatus", { status: statusWords(status) }) : t("staff.customers.results")),
    found,
    h("h2", {}, t("staff.customers.affiliateTitle")),
    affiliateSection(affiliateRequests, moment),
    h("h2", {}, t("staff.customers.creditTitle")),
    creditSection(moment),
  );
}

function searchForm(text, status) {
  const form = h(
    "form",
    { role: "search", class: "staff-customer-search", "aria-label": t("staff.customers.search") },
    field({
      name: "query",
      type: "search",
      label: t("staff.customers.query"),
      hint: t("staff.customers.queryHint"),
      required: false,
      value: text,
    }),
    choice({
      name: "status",
      label: t("staff.customers.statusFilter"),
      value: status,
      options: [{ value: "", label: t("staff.customers.anyStatus") }, ...STATUSES.map((value) => ({ value, label: statusWords(value) }))],
    }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("staff.customers.find"))),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = new FormData(form);
    const params = new URLSearchParams();
    const wanted = String(values.get("query") || "").trim();
    if (wanted) params.set("query", wanted);
    if (values.get("status")) params.set("status", values.get("status"));
    const search = params.toString();
    navigate(search ? `/staff/customers?${search}` : "/staff/customers");
  });
  return form;
}

function affiliateSection(connection, moment) {
  if (!connection.edges.length) return h("p", { class: "muted" }, t("staff.customers.affiliateNone"));
  const item = (affiliate) => {
    const li = h(
      "li",
      { class: "staff-affiliate" },
      h("strong", {}, customerLink(affiliate.customer)),
      h("span", { class: "muted" }, moment(affiliate.createdAt)),
      affiliate.message ? h("p", { class: "staff-quote" }, affiliate.message) : null,
    );
    const decided = (key) => replace(li, h("p", { class: "notice", role: "status" }, t(key, { name: customerName(affiliate.customer) })));
    const grant = actionForm({
      label: t("staff.customers.affiliateGrant"),
      submitLabel: t("staff.customers.affiliateGrant"),
      run: (values) =>
        guarded(values, ["reason"], async () => {
          const input = { customerId: affiliate.customer.id, role: "AFFILIATE", reason: values.reason };
          return (await request(STAFF_GRANT_ROLE, { input })).grantRole;
        }),
      done: () => decided("staff.customers.affiliateGranted"),
    });
    const reject = actionForm({
      label: t("staff.customers.affiliateReject"),
      submitLabel: t("staff.customers.affiliateReject"),
      danger: true,
      run: (values) =>
        guarded(values, ["reason"], async () => {
          const input = { requestId: affiliate.id, reason: values.reason };
          return (await request(STAFF_REJECT_AFFILIATE_REQUEST, { input })).rejectAffiliateRequest;
        }),
      done: () => decided("staff.customers.affiliateRejected"),
    });
    li.append(
      h("details", { class: "staff-decide" }, h("summary", {}, t("staff.customers.affiliateGrant")), grant),
      h("details", { class: "staff-decide" }, h("summary", {}, t("staff.customers.affiliateReject")), reject),
    );
    return li;
  };
  return pagedList(
    connection,
    (nodes) => nodes.map(item),
    async (after) => (await request(STAFF_AFFILIATE_REQUESTS_MORE, { after })).affiliateRequests,
    { "aria-label": t("staff.customers.affiliateTitle") },
  );
}

// Administrators only: asked for when wanted, so the page's one request works for support agents too.
function creditSection(moment) {
  const area = h("div", { class: "staff-credit-requests" });
  const show = h("button", { type: "button", class: "secondary" }, t("staff.customers.creditShow"));
  show.addEventListener("click", async () => {
    show.disabled = true;
    try {
      const { creditLimitRequests } = await request(STAFF_CREDIT_LIMIT_REQUESTS, {});
      const item = (ask) =>
        h(
          "li",
          {},
          h("strong", {}, customerLink(ask.customer)),
          h("span", {}, formatMoney(ask.amount)),
          h("span", { class: "muted" }, moment(ask.createdAt)),
          h("p", { class: "staff-quote" }, ask.reason),
        );
      replace(
        area,
        creditLimitRequests.edges.length
          ? pagedList(
              creditLimitRequests,
              (nodes) => nodes.map(item),
              async (after) => (await request(STAFF_CREDIT_LIMIT_REQUESTS, { after })).creditLimitRequests,
              { "aria-label": t("staff.customers.creditTitle") },
            )
          : h("p", { class: "muted" }, t("staff.customers.creditNone")),
      );
    } catch (error) {
      if (error instanceof SignedOut) return;
      const refused = error instanceof RequestFailed && error.code === "FORBIDDEN";
      replace(area, h("p", { role: "alert", class: "form-error" }, refused ? t("staff.customers.forbidden") : t("app.error")));
    } finally {
      show.disabled = false;
    }
  });
  area.append(h("p", { class: "muted" }, t("staff.customers.creditHint")), show);
  return area;
}
