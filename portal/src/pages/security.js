// Security: where to change the sign-in (two-step verification, password, email address), the devices signed
// in and the browsers trusted to skip the second step (each can be signed out), and the account's security
// activity, a page at a time. One request for the page's data.
import { h, replace } from "../dom.js";
import { request } from "../graphql.js";
import { t, useLanguage } from "../i18n.js";
import { REVOKE_SESSION, REVOKE_TRUSTED_DEVICE, SECURITY_EVENTS, SECURITY_PAGE } from "../operations.js";
import { href } from "../router.js";
import { describeDevice, formatDateTime, runAction, worded } from "../security-ui.js";

const EVENTS_PER_PAGE = 10;

export async function render() {
  const { me, twoFactor, sessions, trustedDevices } = await request(SECURITY_PAGE, { first: EVENTS_PER_PAGE });
  useLanguage(me.settings.language);
  const zone = me.settings.timezone;
  return h(
    "section",
    { class: "security" },
    h("h1", { tabindex: "-1" }, t("security.title")),
    h("h2", {}, t("security.signIn")),
    h(
      "ul",
      { class: "cards" },
      card("/security/two-factor", t("security.twoFactor"), twoFactorSummary(twoFactor)),
      card("/security/password", t("security.password"), t("security.passwordHint")),
      card("/security/email", t("security.email"), me.email),
    ),
    sessionsSection(sessions, zone),
    trustedSection(trustedDevices, zone),
    activitySection(me.securityEvents, zone),
  );
}

function card(path, title, hint) {
  return h("li", {}, h("a", { href: href(path) }, h("strong", {}, title), h("span", {}, hint)));
}

function twoFactorSummary(status) {
  if (!status.enabled) return t("security.twoFactorOff");
  return t("security.twoFactorOn", { count: status.recoveryCodesLeft });
}

/** One device in a list, with a "sign out" that asks first. `revoke()` resolves with userErrors. */
function deviceItem({ name, details, badge, action, confirmText, confirmLabel, revokedText, revoke, announce }) {
  const actions = h("div", { class: "actions" });
  const message = h("p", { class: "form-error", role: "alert", hidden: true });
  const item = h(
    "li",
    { class: "device" },
    h("p", { class: "device-name" }, h("strong", {}, name), badge ? h("span", { class: "badge" }, badge) : null),
    details.map((line) => h("p", { class: "muted" }, line)),
    message,
    actions,
  );
  const idle = () => {
    if (!action) return;
    const button = h("button", { type: "button", class: "small" }, action);
    button.addEventListener("click", ask);
    replace(actions, button);
    return button;
  };
  function ask() {
    const yes = h("button", { type: "button" }, confirmLabel);
    const no = h("button", { type: "button", class: "small" }, t("security.cancel"));
    no.addEventListener("click", () => idle().focus());
    yes.addEventListener("click", async () => {
      const errors = await runAction([yes, no], message, revoke);
      if (!errors) return;
      if (errors.length) {
        message.textContent = worded(errors).map((error) => error.message).join(" ");
        message.hidden = false;
        return;
      }
      announce(revokedText);
      item.remove();
    });
    replace(actions, h("p", { class: "confirm" }, confirmText), yes, no);
    yes.focus();
  }
  idle();
  return item;
}

function sessionsSection(sessions, zone) {
  const status = h("p", { class: "notice", role: "status", hidden: true });
  const announce = (text) => {
    status.textContent = text;
    status.hidden = false;
  };
  const items = sessions.map((session) => {
    const name = describeDevice(session.userAgent);
    return deviceItem({
      name,
      badge: session.current ? t("security.thisDevice") : null,
      details: [
        t("security.lastActive", { when: formatDateTime(session.lastSeenAt, zone) }),
        t("security.signedInAt", { when: formatDateTime(session.createdAt, zone) }),
        session.ipAddress ? t("security.ipAddress", { ip: session.ipAddress }) : null,
      ].filter(Boolean),
      action: session.current ? null : t("security.signOutDevice"),
      confirmText: t("security.confirmSignOut", { device: name }),
      confirmLabel: t("security.confirmRevoke"),
      revokedText: t("security.revoked", { device: name }),
      revoke: async () => {
        const data = await request(REVOKE_SESSION, { input: { sessionId: session.id } });
        return data.revokeSession.userErrors;
      },
      announce,
    });
  });
  return h(
    "section",
    { "aria-labelledby": "sessions-title" },
    h("h2", { id: "sessions-title" }, t("security.sessions")),
    h("p", { class: "muted" }, t("security.sessionsHint")),
    status,
    h("ul", { class: "devices", "aria-labelledby": "sessions-title" }, items),
  );
}

function trustedSection(devices, zone) {
  const status = h("p", { class: "notice", role: "status", hidden: true });
  const announce = (text) => {
    status.textContent = text;
    status.hidden = false;
  };
  const list = h("ul", { class: "devices", "aria-labelledby": "trusted-title" });
  for (const device of devices) {
    const name = describeDevice(device.userAgent);
    list.append(
      deviceItem({
        name,
        details: [
          t("security.trustedUntil", { when: formatDateTime(device.expiresAt, zone) }),
          t("security.lastUsed", { when: formatDateTime(device.lastUsedAt, zone) }),
          device.ipAddress ? t("security.ipAddress", { ip: device.ipAddress }) : null,
        ].filter(Boolean),
        action: t("security.forgetDevice"),
        confirmText: t("security.confirmForget", { device: name }),
        confirmLabel: t("security.confirmForgetYes"),
        revokedText: t("security.forgotten", { device: name }),
        revoke: async () => {
          const data = await request(REVOKE_TRUSTED_DEVICE, { input: { deviceId: device.id } });
          return data.revokeTrustedDevice.userErrors;
        },
        announce,
      }),
    );
  }
  return h(
    "section",
    { "aria-labelledby": "trusted-title" },
    h("h2", { id: "trusted-title" }, t("security.trusted")),
    h("p", { class: "muted" }, devices.length ? t("security.trustedHint") : t("security.trustedEmpty")),
    status,
    devices.length ? list : null,
  );
}

function eventItem(event, zone) {
  const outcome = event.outcome === "SUCCESS" ? null : h("span", { class: "badge badge-warn" }, t(`security.outcome.${event.outcome}`));
  const where = [formatDateTime(event.createdAt, zone), event.userAgent ? describeDevice(event.userAgent) : null, event.ipAddress]
    .filter(Boolean)
    .join(" · ");
  return h(
    "li",
    {},
    h("p", { class: "device-name" }, h("strong", {}, t(`security.event.${event.type}`)), outcome),
    h("p", { class: "muted" }, where),
  );
}

function activitySection(connection, zone) {
  const list = h("ul", { class: "activity", "aria-labelledby": "activity-title" });
  const more = h("button", { type: "button", class: "small" }, t("security.moreActivity"));
  const message = h("p", { class: "form-error", role: "alert", hidden: true });
  let page = connection;
  const show = () => {
    list.append(...page.edges.map((edge) => eventItem(edge.node, zone)));
    more.hidden = !page.pageInfo.hasNextPage;
  };
  more.addEventListener("click", async () => {
    const after = page.pageInfo.endCursor;
    const data = await runAction([more], message, () => request(SECURITY_EVENTS, { first: EVENTS_PER_PAGE, after }));
    if (!data) return;
    page = data.me.securityEvents;
    show();
  });
  show();
  return h(
    "section",
    { "aria-labelledby": "activity-title" },
    h("h2", { id: "activity-title" }, t("security.activity")),
    connection.edges.length ? list : h("p", { class: "muted" }, t("security.activityEmpty")),
    message,
    more,
  );
}
