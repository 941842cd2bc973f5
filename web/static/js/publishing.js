/* The publishing page: compose with the network's rules shown while typing, approve, and
 * the editorial calendar (week or month, in a chosen time zone; drag a post to another day,
 * or move it a day with its buttons). It reads the calendar again when a post changes
 * (post.changed, publishing.paused), so a post's publishing shows live. */
(function () {
  "use strict";

  const R = window.TandemReplies;
  const data = JSON.parse(document.getElementById("publishing-data").textContent);
  const words = JSON.parse(document.getElementById("publishing-words").textContent);
  const can = new Set(data.me.permissions);
  const $ = (id) => document.getElementById(id);
  const calendar = $("calendar");
  const LINK = /https?:\/\/\S+/g;
  let anchor = new Date();
  let posts = [];

  function say(message, values) {
    return message.replace(/%\((\w+)\)d/g, (_, key) => String(values[key]));
  }

  // -- time zones: wall-clock parts of a moment in a zone, and back -------------------
  function parts(moment, zone) {
    const found = {};
    new Intl.DateTimeFormat("en-CA", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit",
    }).formatToParts(moment).forEach((p) => { found[p.type] = p.value; });
    return { y: +found.year, m: +found.month, d: +found.day, h: +found.hour, mi: +found.minute };
  }

  function fromZone(y, m, d, h, mi, zone) {
    const wanted = Date.UTC(y, m - 1, d, h, mi);
    let guess = wanted;
    for (let i = 0; i < 3; i++) {
      const p = parts(new Date(guess), zone);
      guess = wanted - (Date.UTC(p.y, p.m - 1, p.d, p.h, p.mi) - guess);
    }
    return new Date(guess);
  }

  const dayKey = (p) => [p.y, String(p.m).padStart(2, "0"), String(p.d).padStart(2, "0")].join("-");
  const zone = () => $("calendar-zone").value;

  // -- composing --------------------------------------------------------------------
  function rulesOf() {
    const option = $("post-channel") && $("post-channel").selectedOptions[0];
    return option ? data.rules[option.dataset.adapter] : null;
  }

  function showRules() {
    const rules = rulesOf();
    const box = $("post-rules");
    if (!rules || !box) return;
    const text = $("post-text").value;
    let length = text.length;
    if (rules.link_chars !== null) {
      const links = text.match(LINK) || [];
      length = text.replace(LINK, "").length + links.length * rules.link_chars;
    }
    const notes = [say(words.chars, { count: length, limit: rules.max_chars })];
    if (length > rules.max_chars) notes.push(words.too_long);
    if (rules.needs_media) notes.push(words.needs_media);
    box.textContent = notes.join(" · ");
    box.classList.toggle("error", length > rules.max_chars || rules.needs_media);
  }

  async function compose(event) {
    event.preventDefault();
    const error = $("post-error");
    error.hidden = true;
    const when = $("post-when").value.match(/^(\d+)-(\d+)-(\d+)T(\d+):(\d+)/);
    const chosen = $("post-zone").value;
    const at = when ? fromZone(+when[1], +when[2], +when[3], +when[4], +when[5], chosen) : null;
    const made = await R.api("POST", "/api/posts", {
      channel_id: +$("post-channel").value, text: $("post-text").value,
      publish_at: at ? at.toISOString() : "", time_zone: chosen,
      campaign: $("post-campaign").value,
    });
    const submitted = made.ok ? await R.api("POST", "/api/posts/" + made.post.id + "/submit") : made;
    if (!submitted.ok) {
      error.textContent = submitted.error.message;
      error.hidden = false;
      return;
    }
    $("post-text").value = "";
    showRules();
    window.Tandem.toast(words.submitted, "info");
    if (at) anchor = at;
    await load();
  }

  // -- the calendar -----------------------------------------------------------------
  function days() {
    const today = parts(anchor, zone());
    const week = $("calendar-view").value === "week";
    const first = week ? new Date(Date.UTC(today.y, today.m - 1, today.d))
      : new Date(Date.UTC(today.y, today.m - 1, 1));
    first.setUTCDate(first.getUTCDate() - ((first.getUTCDay() + 6) % 7));  // back to Monday
    const count = week ? 7 : 42;
    return Array.from({ length: count }, (_, i) => {
      const day = new Date(first);
      day.setUTCDate(first.getUTCDate() + i);
      return { y: day.getUTCFullYear(), m: day.getUTCMonth() + 1, d: day.getUTCDate() };
    });
  }

  async function load() {
    const shown = days();
    const start = fromZone(shown[0].y, shown[0].m, shown[0].d, 0, 0, zone());
    const answer = await R.api("GET", "/api/posts?since=" + encodeURIComponent(start.toISOString()) +
      "&days=" + (shown.length + 1));
    if (answer.ok) posts = answer.posts;
    draw(shown);
  }

  function card(post) {
    const item = R.el("li", "post-card status-" + post.status);
    item.dataset.id = post.id;
    const movable = ["draft", "pending", "approved", "rejected"].includes(post.status);
    item.draggable = movable && can.has("publish.post");
    const at = parts(new Date(post.publish_at), zone());
    const time = String(at.h).padStart(2, "0") + ":" + String(at.mi).padStart(2, "0");
    item.append(R.el("strong", "", time + " " + post.channel_name), " ",
      R.el("span", "badge", words[post.status] + (post.paused ? " · " + words.paused : "")));
    item.append(R.el("p", "post-text", post.text));
    if (post.url) {
      const link = R.el("a", "", words.open);
      link.href = post.url;
      link.rel = "noopener";
      item.append(link);
    }
    const actions = R.el("div", "row");
    if (item.draggable) {
      [["earlier", -1], ["later", 1]].forEach(([name, by]) => {
        const button = R.el("button", "link", words[name]);
        button.type = "button";
        button.addEventListener("click", () => move(post, by));
        actions.append(button);
      });
    }
    if (post.status === "pending" && can.has("reply.approve") && post.author.id !== data.me.id) {
      [["approve", "approve"], ["reject", "reject"]].forEach(([name, path]) => {
        const button = R.el("button", name === "approve" ? "primary" : "", words[name]);
        button.type = "button";
        button.addEventListener("click", () => decide(post, path));
        actions.append(button);
      });
    }
    item.append(actions);
    item.addEventListener("dragstart", (event) => {
      event.dataTransfer.setData("text/plain", String(post.id));
    });
    return item;
  }

  function draw(shown) {
    const language = document.documentElement.lang || "en";
    const byDay = {};
    posts.forEach((post) => {
      const key = dayKey(parts(new Date(post.publish_at), zone()));
      (byDay[key] = byDay[key] || []).push(post);
    });
    calendar.classList.toggle("month", shown.length > 7);
    calendar.replaceChildren(...shown.map((day) => {
      const key = dayKey(day);
      const cell = R.el("li", "day");
      cell.dataset.day = key;
      const label = new Date(Date.UTC(day.y, day.m - 1, day.d)).toLocaleDateString(language, {
        weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });
      cell.append(R.el("h3", "", label));
      const list = R.el("ul", "day-posts");
      (byDay[key] || []).forEach((post) => list.append(card(post)));
      cell.append(list);
      cell.addEventListener("dragover", (event) => event.preventDefault());
      cell.addEventListener("drop", (event) => {
        event.preventDefault();
        const post = posts.find((p) => String(p.id) === event.dataTransfer.getData("text/plain"));
        if (post) moveTo(post, day);
      });
      return cell;
    }));
    $("calendar-range").textContent = calendar.firstChild.firstChild.textContent + " – " +
      calendar.lastChild.firstChild.textContent;
  }

  async function moveTo(post, day) {
    const at = parts(new Date(post.publish_at), zone());
    const moved = fromZone(day.y, day.m, day.d, at.h, at.mi, zone());
    const answer = await R.api("PATCH", "/api/posts/" + post.id, { publish_at: moved.toISOString() });
    if (!answer.ok) window.Tandem.toast(answer.error.message, "error");
    await load();
  }

  function move(post, by) {
    const at = parts(new Date(post.publish_at), zone());
    const day = new Date(Date.UTC(at.y, at.m - 1, at.d + by));
    return moveTo(post, { y: day.getUTCFullYear(), m: day.getUTCMonth() + 1, d: day.getUTCDate() });
  }

  async function decide(post, path) {
    const answer = await R.api("POST", "/api/posts/" + post.id + "/" + path, {});
    if (!answer.ok) window.Tandem.toast(answer.error.message, "error");
    await load();
  }

  function shift(by) {
    const step = $("calendar-view").value === "week" ? 7 : 30;
    anchor = new Date(anchor.getTime() + by * step * 86400000);
    load();
  }

  if ($("post-form")) {
    $("post-form").addEventListener("submit", compose);
    $("post-text").addEventListener("input", showRules);
    $("post-channel").addEventListener("change", showRules);
    showRules();
  }
  $("calendar-view").addEventListener("change", load);
  $("calendar-zone").addEventListener("change", load);
  $("calendar-prev").addEventListener("click", () => shift(-1));
  $("calendar-next").addEventListener("click", () => shift(1));
  load();
  window.Tandem.connect({
    since: data.seq,
    onEvents(events) {
      if (events.some((e) => e.type === "post.changed" || e.type === "publishing.paused")) load();
    },
  });
})();
