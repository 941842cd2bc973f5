/* The reply editor's length: a live count against the network's limit (X 280, Mastodon
 * 500, ...), a refusal before the reply is submitted, and a preview of how the reply will
 * look on the network. The limit and the way of counting come from the server
 * (channels/reply_length.py, thread_data.reply_limit); `length` mirrors its `length`.
 */
import { readJson, t } from "./page.js";

const URL_RE = /https?:\/\/\S+/g;
// twitter-text v3: code points in these ranges weigh 1, all others 2 (CJK, emoji).
const X_LIGHT = [[0x0000, 0x10ff], [0x2000, 0x200d], [0x2010, 0x201f], [0x2032, 0x2037]];

function xWeight(code) {
  // Joiners, variation selectors and skin tones fold into the emoji they modify.
  if (code === 0x200d || code === 0xfe0e || code === 0xfe0f) return 0;
  if (code >= 0x1f3fb && code <= 0x1f3ff) return 0;
  return X_LIGHT.some(([lo, hi]) => code >= lo && code <= hi) ? 1 : 2;
}

function charCount(text, rule) {
  if (rule.counting !== "x") return Array.from(text).length; // code points, as Python's len
  let n = 0;
  for (const ch of text) n += xWeight(ch.codePointAt(0));
  return n;
}

/** `text`'s length as the network counts it. */
export function length(text, rule) {
  let links = 0;
  let rest = text;
  if (rule.links_as !== null && rule.links_as !== undefined) {
    links = (text.match(URL_RE) || []).length * rule.links_as;
    rest = text.replace(URL_RE, "");
  }
  return links + charCount(rest, rule);
}

/** How much of `text` fits: the index where the part the network would refuse begins. */
function fits(text, rule) {
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (length(text.slice(0, mid), rule) <= rule.limit) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const NETWORK_NAMES = {
  x: "X", mastodon: "Mastodon", facebook: "Facebook", instagram: "Instagram",
  youtube: "YouTube", whatsapp: "WhatsApp", telegram: "Telegram",
};

/** Links shown the way the networks show them: without the scheme, cut after 23 letters. */
function shownLink(url) {
  const bare = url.replace(/^https?:\/\/(www\.)?/, "");
  return bare.length > 23 ? bare.slice(0, 22) + "…" : bare;
}

/** The preview's text: links, @mentions and #tags marked as the network marks them. */
function fillPreview(box, text, cut) {
  box.replaceChildren();
  const kept = text.slice(0, cut);
  const token = /(https?:\/\/\S+)|([@#][\p{L}\p{N}_]+)/gu;
  let at = 0;
  for (const match of kept.matchAll(token)) {
    if (match.index > at) box.append(kept.slice(at, match.index));
    const span = document.createElement("span");
    span.className = match[1] ? "pv-link" : "pv-tag";
    span.textContent = match[1] ? shownLink(match[1]) : match[2];
    box.append(span);
    at = match.index + match[0].length;
  }
  if (at < kept.length) box.append(kept.slice(at));
  if (cut < text.length) {
    const over = document.createElement("mark");
    over.className = "pv-over";
    over.textContent = text.slice(cut);
    box.append(over);
  }
}

function build(data, area) {
  const rule = data.reply_limit;
  const card = data.thread;
  const network = NETWORK_NAMES[card.network] || card.network;

  const meter = document.createElement("p");
  meter.className = "reply-length";
  meter.id = "reply-length";
  meter.setAttribute("aria-live", "polite");
  const count = document.createElement("span");
  count.className = "count";
  const warning = document.createElement("span");
  warning.className = "over-note";
  meter.append(count, " ", warning);

  const preview = document.createElement("details");
  preview.className = "reply-preview net-" + card.network;
  preview.id = "reply-preview";
  const summary = document.createElement("summary");
  summary.textContent = t("rl_preview", { network });
  const post = document.createElement("div");
  post.className = "pv-post";
  const who = document.createElement("p");
  who.className = "pv-who";
  who.textContent = card.channel_name;
  const when = document.createElement("span");
  when.className = "pv-when";
  when.textContent = " · " + t(card.visibility === "private" ? "rl_private" : "rl_public");
  who.append(when);
  const body = document.createElement("p");
  body.className = "pv-text";
  post.append(who, body);
  preview.append(summary, post);

  const holder = area.parentElement;
  area.after(meter);
  holder.after(preview);
  const described = (area.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
  area.setAttribute("aria-describedby", [...described, "reply-length"].join(" "));

  let lastText = null;
  let over = 0;
  function update() {
    const text = area.value;
    if (text === lastText) return;
    lastText = text;
    const trimmed = text.trim();
    const used = length(trimmed, rule);
    over = Math.max(0, used - rule.limit);
    count.textContent = t("rl_count", { used, limit: rule.limit, network });
    warning.textContent = over ? "· " + t("rl_over", { over }) : "";
    meter.classList.toggle("over", over > 0);
    meter.classList.toggle("near", !over && used > rule.limit * 0.9);
    fillPreview(body, trimmed, over ? fits(trimmed, rule) : trimmed.length);
  }

  // Co-editors' words arrive without an input event: look again a few times a second.
  area.addEventListener("input", update);
  setInterval(update, 250);
  update();

  // The refusal comes before the submit, where the person is: the click does not go out.
  const submit = document.getElementById("reply-submit");
  const error = document.getElementById("reply-bar-error");
  if (submit) {
    submit.addEventListener("click", (event) => {
      update();
      if (!over) return;
      event.stopImmediatePropagation();
      event.preventDefault();
      if (error) {
        error.hidden = false;
        error.textContent = t("rl_refused", { network, limit: rule.limit, over });
      }
      area.focus();
    }, true);
  }
}

const data = readJson("thread-data");
const area = document.getElementById("draft");
if (data && data.reply_limit && area) build(data, area);
