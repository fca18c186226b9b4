// The alert channel types and the config fields each takes (uptick_common/channels/<type>.py): the form of
// a channel is drawn from this table. `secret` fields are never shown back by the API ("(hidden)").
export const CHANNEL_TYPES = {
  webhook: { label: "Webhook", fields: [
    { name: "url", label: "URL", type: "url", required: true,
      hint: "Uptick POSTs JSON here, signed the Standard Webhooks way (webhook-id, -timestamp, -signature)." },
    { name: "body_template", label: "Custom JSON body (optional)", kind: "json",
      hint: "Leave empty for the default body. Placeholders like \"{data.title}\" or \"{data.monitor.name}\" are filled from the default body (see the README)." },
  ] },
  slack: { label: "Slack", fields: [
    { name: "webhook_url", label: "Incoming webhook URL", type: "url", required: true, secret: true,
      hint: "From Slack: Apps → Incoming Webhooks → Add New Webhook to Workspace." },
  ] },
  discord: { label: "Discord", fields: [
    { name: "webhook_url", label: "Webhook URL", type: "url", required: true, secret: true,
      hint: "From Discord: channel settings → Integrations → Webhooks → New Webhook → Copy Webhook URL." },
  ] },
  teams: { label: "Microsoft Teams", fields: [
    { name: "webhook_url", label: "Workflows webhook URL", type: "url", required: true, secret: true,
      hint: "A Teams Workflow \"Post to a channel when a webhook request is received\", or a legacy incoming webhook." },
  ] },
  email: { label: "E-mail", fields: [
    { name: "to", label: "To", kind: "list", required: true, hint: "Addresses, separated by commas (up to 50)." },
    { name: "from_address", label: "From", type: "email", required: true },
    { name: "host", label: "SMTP server", required: true, hint: "Host name or address of your mail server." },
    { name: "port", label: "Port", type: "number", placeholder: "587" },
    { name: "security", label: "Security", kind: "select",
      options: [["starttls", "STARTTLS (port 587)"], ["tls", "TLS (port 465)"], ["none", "None"]] },
    { name: "username", label: "Username (optional)", autocomplete: "off" },
    { name: "password", label: "Password (optional)", type: "password", secret: true, autocomplete: "new-password" },
  ] },
  pagerduty: { label: "PagerDuty", fields: [
    { name: "routing_key", label: "Integration (routing) key", required: true, secret: true,
      hint: "32 characters, from an Events API v2 integration of the service." },
    { name: "severity", label: "Severity", kind: "select",
      options: [["critical", "Critical"], ["error", "Error"], ["warning", "Warning"], ["info", "Info"]] },
    { name: "events_url", label: "Events API URL (optional)", type: "url",
      hint: "Leave empty for PagerDuty's US service region; https://events.eu.pagerduty.com/v2/enqueue for the EU." },
  ] },
  telegram: { label: "Telegram", fields: [
    { name: "bot_token", label: "Bot token", required: true, secret: true, hint: "From @BotFather: 123456:ABC…" },
    { name: "chat_id", label: "Chat id", required: true, hint: "A number (-100… for groups) or @channelname." },
    { name: "api_url", label: "Bot API URL (optional)", type: "url", hint: "Only for a self-hosted Bot API server." },
  ] },
  ntfy: { label: "ntfy", fields: [
    { name: "topic", label: "Topic", required: true, hint: "Letters, digits, - and _ (up to 64)." },
    { name: "server_url", label: "Server (optional)", type: "url", placeholder: "https://ntfy.sh" },
    { name: "token", label: "Access token (optional)", type: "password", secret: true, autocomplete: "off" },
  ] },
};

export const HIDDEN = "(hidden)";

/** The form's strings for a channel's config (secrets left empty: empty keeps them). */
export function formValues(type, config = {}) {
  const values = {};
  for (const field of CHANNEL_TYPES[type].fields) {
    const value = config[field.name];
    if (value === undefined || value === null || value === HIDDEN) values[field.name] = "";
    else if (field.kind === "list") values[field.name] = value.join(", ");
    else if (field.kind === "json") values[field.name] = JSON.stringify(value, null, 2);
    else values[field.name] = String(value);
  }
  if (type === "email" && !values.security) values.security = "starttls";
  if (type === "pagerduty" && !values.severity) values.severity = "critical";
  return values;
}

/** The config to send: `original` (the channel's config as the API showed it, on an edit) with the form's
 * values over it, so that fields the form has no input for (a webhook's signing secret) stay; a secret left
 * empty stays "(hidden)", which keeps it. Throws {fields} for what cannot be sent (JSON that does not parse). */
export function configOf(type, values, original = {}) {
  const config = { ...original };
  const fields = {};
  for (const field of CHANNEL_TYPES[type].fields) {
    const text = (values[field.name] ?? "").trim();
    if (!text) {
      if (!(field.secret && original[field.name] === HIDDEN)) delete config[field.name];
      continue;
    }
    if (field.kind === "list") config[field.name] = text.split(/[,\s]+/).filter(Boolean);
    else if (field.type === "number") config[field.name] = Number(text);
    else if (field.kind === "json") {
      try { config[field.name] = JSON.parse(text); } catch (error) {
        fields[`config.${field.name}`] = `This is not JSON: ${error.message}`;
      }
    } else config[field.name] = text;
  }
  if (Object.keys(fields).length) throw Object.assign(new Error("fix the fields"), { fields });
  return config;
}
