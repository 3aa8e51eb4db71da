// The auction room (templates/auction/room.html): live state over server-sent events and a countdown that
// follows the SERVER's clock.
//
// One EventSource per page on `auction:{lot}` (the browser resends Last-Event-ID when it reconnects, so nothing
// is missed); every event makes the page fetch its live fragment again (coalesced: at most one request in
// flight), so what is shown is always what the server rendered. The clock offset (server − browser) comes from
// the server time each fragment carries, taken at the midpoint of its request; an event's `server_time` can
// only raise it (the event left the server after that instant). The countdown is ticked locally with it.
// The bidder's own panel is re-rendered on stage changes; on other bidders' bids only its prefilled amount
// moves to the new minimum, and not while the bidder is typing one. 大写 comes from sealing.js (GGZY.inWords,
// the same rules as kit/money.in_words).
(function () {
  "use strict";
  const root = document.querySelector("[data-auction-room]");
  if (!root) return;
  const lot = root.dataset.lot;
  const en = () => document.documentElement.lang === "en";
  const tr = (zh, eng) => (en() ? eng : zh);
  let offset = 0; // ms to add to Date.now() to get the server's time

  // Python's isoformat may carry microseconds; keep milliseconds so every engine parses it.
  const parse = (iso) => Date.parse(String(iso).replace(/(\.\d{3})\d+/, "$1"));
  const serverNow = () => Date.now() + offset;

  function takeOffset(scope, t0, t1) {
    const mark = scope && scope.querySelector("[data-server-now]");
    const at = mark ? parse(mark.dataset.serverNow) : NaN;
    if (!isNaN(at)) offset = at - (t0 + t1) / 2;
  }

  // The page itself: the server rendered it between the request's start and the response's first byte.
  (function initialOffset() {
    const nav = performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
    if (nav && nav.responseStart > 0) {
      takeOffset(document.getElementById("room-state"), performance.timeOrigin + nav.requestStart,
        performance.timeOrigin + nav.responseStart);
    } else {
      takeOffset(document.getElementById("room-state"), Date.now(), Date.now());
    }
  })();

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function formatLeft(left) {
    const d = Math.floor(left / 86400), h = Math.floor(left / 3600) % 24, m = Math.floor(left / 60) % 60, s = left % 60;
    return (d ? d + tr("天", "d") + " " : "") + (left >= 3600 ? pad(h) + ":" : "") + pad(m) + ":" + pad(s);
  }
  function yuan(text) {
    const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(String(text).trim());
    if (!m) return String(text);
    return m[1].replace(/\B(?=(\d{3})+(?!\d))/g, ",") + "." + ((m[2] || "") + "00").slice(0, 2);
  }

  // ------------------------------------------------------------------ countdown
  let zeroWaits = 0; // back off while the server has not yet applied an end the clock has reached
  function tick() {
    const now = serverNow();
    root.querySelectorAll("[data-until]").forEach(function (el) {
      const left = Math.max(0, Math.ceil((parse(el.dataset.until) - now) / 1000));
      el.dataset.left = String(left);
      el.textContent = formatLeft(left);
      if (left === 0 && !el.dataset.done) {
        el.dataset.done = "1";
        setTimeout(refreshLive, Math.min(30000, 1500 * 2 ** zeroWaits++));
      }
    });
  }

  // ------------------------------------------------------------------ live fragment
  let busy = false, again = false;
  async function refreshLive() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      do {
        again = false;
        const t0 = Date.now();
        const r = await fetch("/auctions/" + lot + "/live", { credentials: "same-origin", cache: "no-store",
          headers: { "HX-Request": "true" } });
        const t1 = Date.now();
        if (!r.ok) break;
        const tpl = document.createElement("template");
        tpl.innerHTML = await r.text();
        ["room-state", "room-bids"].forEach(function (id) {
          const fresh = tpl.content.getElementById(id), old = document.getElementById(id);
          if (fresh && old) old.replaceWith(fresh);
        });
        const state = document.getElementById("room-state");
        takeOffset(state, t0, t1);
        if (state && state.dataset.status !== root.dataset.status) {
          root.dataset.status = state.dataset.status;
          zeroWaits = 0;
          refreshMe();
        }
        tick();
      } while (again);
    } catch (e) {
      // The next event (or the reconnect) fetches it again.
    } finally {
      busy = false;
    }
  }

  // ------------------------------------------------------------------ the bidder's panel
  function bidForm() { return document.querySelector("#room-me [data-bid-form]"); }

  function syncWords(form) {
    if (!form) return;
    const input = form.querySelector("[name=amount]");
    const words = form.querySelector("[data-words]"), below = form.querySelector("[data-below]");
    const G = window.GGZY;
    const value = input.value.trim();
    const w = G && /^\d{1,16}(\.\d{1,2})?$/.test(value) ? G.inWords(value) : "";
    if (words) words.textContent = w || tr("请输入金额（元），最多两位小数", "Enter yuan, at most 2 decimals");
    if (below && G) {
      const fen = G.parseFen(value), min = G.parseFen(input.dataset.min || "");
      below.hidden = !(fen !== null && min !== null && fen < min);
    }
  }

  function refreshMe() {
    const box = document.getElementById("room-me");
    if (!box || !window.htmx) return;
    const form = bidForm();
    const kept = form && form.dataset.dirty ? form.querySelector("[name=amount]").value : null;
    htmx.ajax("GET", "/auctions/" + lot + "/me", { target: "#room-me", swap: "innerHTML" }).then(function () {
      const fresh = bidForm();
      if (fresh && kept !== null) {
        fresh.querySelector("[name=amount]").value = kept;
        fresh.dataset.dirty = "1";
      }
      syncWords(fresh);
    });
  }

  function onBid(data) {
    const form = bidForm();
    if (!form || !data.next_minimum) return;
    const input = form.querySelector("[name=amount]");
    input.dataset.min = data.next_minimum;
    form.querySelectorAll("[data-next-minimum]").forEach(function (el) { el.textContent = yuan(data.next_minimum); });
    if (!form.dataset.dirty) input.value = data.next_minimum;
    syncWords(form);
  }

  document.addEventListener("input", function (ev) {
    const form = ev.target.closest && ev.target.closest("[data-bid-form]");
    if (!form) return;
    form.dataset.dirty = "1";
    syncWords(form);
  });
  document.body.addEventListener("htmx:afterSwap", function (ev) {
    if (ev.detail.target && ev.detail.target.id === "room-me") syncWords(bidForm());
  });
  // A bid cannot be withdrawn: say the amount in figures and in words before it is sent.
  document.body.addEventListener("htmx:confirm", function (ev) {
    const form = ev.detail.elt && ev.detail.elt.closest && ev.detail.elt.closest("[data-bid-form]");
    if (!form) return;
    ev.preventDefault();
    const value = form.querySelector("[name=amount]").value.trim();
    const words = window.GGZY ? window.GGZY.inWords(value) : "";
    const msg = tr("确认报价 " + yuan(value) + " 元（" + words + "）？\n报价一经提交不得撤回。",
      "Bid " + yuan(value) + " yuan (" + words + ")?\nA bid cannot be withdrawn.");
    if (window.confirm(msg)) ev.detail.issueRequest(true);
  });

  // ------------------------------------------------------------------ events
  // Whether an event says something the live fragment does not show yet. Bids only ever raise the count; the
  // status, the countdown's end and the listing end change on stage changes and suspensions.
  function isNews(data) {
    const st = document.getElementById("room-state");
    if (!st || typeof data.bid_count !== "number") return true;
    const shown = Number(st.dataset.bidCount || 0);
    if (data.bid_count < shown) return false;
    return data.bid_count > shown || data.status !== st.dataset.status ||
      (data.ends_at || "") !== (st.dataset.endsAt || "") || (data.listing_end || "") !== (st.dataset.listingEnd || "");
  }
  if (window.EventSource) {
    const es = new EventSource("/api/realtime/" + encodeURIComponent("auction:" + lot));
    let lost = false;
    const on = function (ev) {
      let data = {};
      try { data = JSON.parse(ev.data); } catch (e) { /* keep {} */ }
      if (!isNews(data)) return; // a replayed event the page already shows (a new page gets the replay buffer)
      if (data.server_time) {
        const floor = parse(data.server_time) - Date.now();
        if (floor > offset) offset = floor;
      }
      if (data.status === "timed" && data.ends_at) {
        // The countdown restarts at once; the fragment that follows confirms it.
        root.querySelectorAll("#room-state [data-until]").forEach(function (el) {
          el.dataset.until = data.ends_at;
          delete el.dataset.done;
        });
        tick();
      }
      if (ev.type === "auction:bid") onBid(data);
      refreshLive();
    };
    ["auction:bid", "auction:status", "auction:result"].forEach(function (t) { es.addEventListener(t, on); });
    es.addEventListener("error", function () { lost = true; });
    es.addEventListener("open", function () {
      if (lost) { lost = false; refreshLive(); refreshMe(); }
    });
  }

  syncWords(bidForm());
  tick();
  setInterval(tick, 250);
})();
