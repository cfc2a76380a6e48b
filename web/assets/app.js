// app.js -- blmon's dashboard: fetches /api/v1/status and /api/v1/events every 10 s and redraws.
// TXT records and reasons come from whoever runs a DNS zone: text is only ever set with
// textContent (never parsed as HTML), and only http(s) URLs become links. No inline script.
"use strict";

(function () {
  const REFRESH_MS = 10000;
  const EVENTS_SHOWN = 20;
  const TOKEN_KEY = "blmon-token";
  const ALL_TARGETS_MAX = 300; // above this many targets, only listed, unchecked and stale ones are drawn
  let onlyProblems = true; // until the first answer says how many targets there are

  const $ = (id) => document.getElementById(id);

  // el("div", {class: "x"}, child, "text", ...): children are nodes or plain text.
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") e.className = v;
      else e.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  // Only http and https URLs are rendered as links; anything else stays text.
  function safeLink(url, text) {
    let u;
    try {
      u = new URL(url);
    } catch (_) {
      return el("span", {}, url);
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") return el("span", {}, url);
    return el("a", {href: u.href, rel: "noopener noreferrer", target: "_blank"}, text || url);
  }

  function ago(iso) {
    if (!iso) return "";
    const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
    if (!isFinite(s)) return "";
    if (s < 90) return s <= 1 ? "just now" : s + " s ago";
    if (s < 5400) return Math.round(s / 60) + " min ago";
    if (s < 129600) return Math.round(s / 3600) + " h ago";
    return Math.round(s / 86400) + " days ago";
  }

  function when(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    return isNaN(d) ? "" : d.toLocaleString();
  }

  function headers() {
    const t = sessionStorage.getItem(TOKEN_KEY);
    return t ? {Authorization: "Bearer " + t} : {};
  }

  async function getJSON(path) {
    const r = await fetch(path, {headers: headers(), cache: "no-store"});
    if (r.status === 401) {
      const e = new Error("unauthorized");
      e.unauthorized = true;
      throw e;
    }
    const body = await r.json().catch(() => null);
    if (!r.ok) throw new Error((body && body.error) || "HTTP " + r.status);
    return body;
  }

  // ---- drawing ----

  function drawSummary(st) {
    for (const k of ["listed", "clean", "unchecked", "stale"]) $("count-" + k).textContent = st.summary[k];
    const c = st.last_cycle;
    $("meta").textContent = c
      ? "Last check " + ago(c.ended) + " (" + c.targets + " targets, " + c.lists +
        " lists, " + c.queries + " queries, " + c.duration_seconds + " s). Updated " +
        new Date().toLocaleTimeString() + "."
      : "No check cycle has finished yet. Updated " + new Date().toLocaleTimeString() + ".";
    document.title = (st.summary.listed ? "(" + st.summary.listed + " listed) " : "") +
      "blmon — blocklist status";
  }

  function drawHealth(st) {
    const box = $("health");
    box.replaceChildren();
    // one root cause: when the resolver is down, its banner says it for every list
    if (st.resolver && st.resolver.state === "down") {
      box.append(el("div", {class: "banner resolver", role: "alert"},
        el("strong", {}, "The resolver does not answer: nothing could be checked since " +
          when(st.resolver.since) + " (" + ago(st.resolver.since) + ")"),
        st.resolver.reason ? el("span", {class: "detail"}, ": " + st.resolver.reason) : null,
        el("div", {class: "advice"}, "What to do: check that the resolver is running and " +
          "reachable from blmon."),
        el("div", {class: "small"}, "Every listing and clean result below is as last confirmed.")));
      return;
    }
    for (const l of st.lists) {
      if (l.health === "ok" || l.health === "untested") continue;
      box.append(el("div", {class: "banner", role: "alert", "data-zone": l.zone},
        el("strong", {}, l.name + " (" + l.zone + ") is " + l.health),
        l.detail ? el("span", {class: "detail"}, ": " + l.detail) : null,
        l.advice ? el("div", {class: "advice"}, "What to do: " + l.advice) : null,
        el("div", {class: "small"}, "Its results are shown as last confirmed until " +
          (l.source === "snds" ? "SNDS's documents can be read" : "it passes its test points") +
          " again" + (l.since ? " (failing since " + when(l.since) + ")" : "") + ".")));
    }
  }

  function listingItem(r, target) {
    const neighbourhood = r.scope === "network" || r.scope === "asn";
    const li = el("li", {class: "listing " + r.status + (neighbourhood ? " hood" : ""),
                         "data-zone": r.zone});
    li.append(el("div", {class: "lhead"},
      el("span", {class: "badge " + r.status}, r.status),
      el("strong", {}, r.name), " ", el("span", {class: "zone"}, r.zone),
      r.kind !== "block" ? el("span", {class: "tag"}, r.kind + " list") : null,
      neighbourhood ? el("span", {class: "tag hoodtag"},
        r.scope === "asn" ? "whole ASN listed" : "network listed") : null));
    if (r.codes.length && (r.status === "listed" || !r.reason)) {
      const codes = r.codes.join(", ");
      li.append(el("div", {class: "meaning"},
        r.meanings.length ? r.meanings.join("; ") + " (" + codes + ")" : codes));
    }
    for (const t of r.txt) li.append(el("div", {class: "txt"}, el("span", {class: "k"}, "TXT "), t));
    if (r.reason) li.append(el("div", {class: "reason"}, r.reason));
    const foot = el("div", {class: "small"});
    if (r.since && r.status !== "unchecked") foot.append((r.status === "listed" ? "Listed since " : "Since ") + when(r.since) +
      " (" + ago(r.since) + ")");
    // stale is shown beside the state, never instead of it
    if (r.stale || r.failing_since) {
      li.classList.add("stale");
      li.append(el("div", {class: "freshness"},
        el("span", {class: "tag staletag"}, r.stale ? "stale" : "checks failing"),
        " last confirmed " + (r.checked_at ? ago(r.checked_at) : "never") +
        (r.failing_since ? " — checks failing since " + when(r.failing_since) +
          (r.failing_reason ? ": " + r.failing_reason : "") : "")));
    }
    if (r.removal_url && r.status === "listed") {
      foot.append(r.since ? " · " : "", safeLink(r.removal_url, "removal request"));
    }
    if (foot.childNodes.length) li.append(foot);
    return li;
  }

  // Microsoft SNDS's word on a target: its numbers of the day when SNDS has them, else why
  // it has none (SNDS covers only the addresses registered to its key). Text only.
  function sndsLine(t, sndsZones) {
    const n = t.snds;
    if (n) {
      return el("div", {class: "snds small", "data-filter": n.filter},
        el("strong", {}, "Microsoft SNDS"), " (Outlook.com, until " + n.activity_end + "): ",
        el("span", {class: "badge " + (n.filter === "GREEN" ? "clean" : "listed")}, n.filter), " · " +
        n.messages + " messages to " + n.recipients + " recipients · complaint rate " +
        (n.complaint_rate || "n/a") + " · " + n.trap_hits + " trap hit" + (n.trap_hits === 1 ? "" : "s") +
        (n.trap_start ? " (" + n.trap_start + " to " + n.trap_end + ")" : "") +
        (n.comments ? " · " + n.comments : ""));
    }
    const r = t.results.find((x) => sndsZones.has(x.zone) && x.status === "clean" && x.reason);
    return r ? el("div", {class: "snds small"}, el("strong", {}, "Microsoft SNDS"), ": " + r.reason) : null;
  }

  function drawTargets(st) {
    const box = $("targets");
    const sndsZones = new Set(st.lists.filter((l) => l.source === "snds").map((l) => l.zone));
    box.replaceChildren();
    if (onlyProblems) {
      box.append(el("p", {class: "small"}, st.summary.clean + " clean targets are not shown (" +
        st.summary.targets + " in all)."));
    }
    if (!st.targets.length) {
      box.append(el("p", {class: "empty"},
        onlyProblems ? "Nothing is listed, unchecked or stale." : "No target has been checked yet."));
      return;
    }
    for (const t of st.targets) {
      const own = [], hood = [];
      let nclean = 0, nblock = 0;
      for (const r of t.results) {
        if (r.kind === "block") {
          nblock++;
          if (r.status === "clean") nclean++;
        }
        // what is shown: listings, and what is not known yet or no longer fresh
        const shown = r.status === "listed" || r.status === "unchecked" || r.stale;
        if (!shown || (r.kind !== "block" && r.status !== "listed")) continue;
        // only a listing of the network or ASN is the neighbourhood's
        (r.status === "listed" && (r.scope === "network" || r.scope === "asn") ? hood : own).push(r);
      }
      const row = el("article", {class: "target " + t.status, "data-target": t.target,
                                 "data-status": t.status});
      const asn = t.asn && t.asn.asn !== null && t.asn.asn !== undefined
        ? "AS" + t.asn.asn + (t.asn.name ? " " + t.asn.name : "") : null;
      row.append(el("div", {class: "thead"},
        el("span", {class: "dot " + t.status, title: t.status, "aria-label": t.status}),
        el("span", {class: "tname"}, t.target),
        el("span", {class: "status " + t.status}, t.status.toUpperCase()),
        el("span", {class: "small"}, nclean + " of " + nblock + " block lists clean" +
          (t.discovered_from ? " · address of " + t.discovered_from : "") +
          (asn ? " · " + asn : ""))));
      if (own.length) row.append(el("ul", {class: "listings"}, ...own.map((r) => listingItem(r, t))));
      const snds = sndsLine(t, sndsZones);
      if (snds) row.append(snds);
      if (hood.length) {
        row.append(el("div", {class: "hoodh"},
          "Neighbourhood: the network or ASN around this address is listed, not only the address"));
        row.append(el("ul", {class: "listings hoodlist"}, ...hood.map((r) => listingItem(r, t))));
      }
      box.append(row);
    }
  }

  function drawEvents(ev) {
    const box = $("events");
    box.replaceChildren();
    if (!ev.events.length) {
      box.append(el("li", {class: "empty"}, "No changes recorded yet."));
      return;
    }
    for (const e of ev.events) {
      if (e.source === "incident") {
        // a provider incident from the MTA's log: strings from log lines, as text only
        box.append(el("li", {class: "event incident to-" + e.to, "data-provider": e.provider},
          el("time", {datetime: e.at, title: when(e.at)}, ago(e.at)), " ",
          el("strong", {}, e.provider_name), " rejects our mail" + (e.code ? " (" + e.code + ")" : "") + ": ",
          el("span", {class: "badge " + (e.to === "open" ? "listed" : "clean")},
            "incident " + (e.to === "open" ? "opened" : "closed"))));
        continue;
      }
      box.append(el("li", {class: "event to-" + e.to},
        el("time", {datetime: e.at, title: when(e.at)}, ago(e.at)), " ",
        el("span", {class: "tname"}, e.target), " on ", el("strong", {}, e.name), " ",
        el("span", {class: "zone"}, e.zone), ": ",
        el("span", {class: "badge " + (e.from || "new")}, e.from || "new"), " → ",
        el("span", {class: "badge " + e.to}, e.to),
        e.meanings.length && e.to === "listed" ? el("span", {class: "small"}, " " + e.meanings.join("; ")) : null,
        e.reason ? el("span", {class: "small"}, " " + e.reason) : null));
    }
  }

  // Rejections by big providers seen in the MTA's log ([logwatch]). Every string
  // came from a log line or a remote server: text only, links only for http(s).
  function drawIncidents(inc) {
    const sec = $("incidents-s"), box = $("incidents");
    box.replaceChildren();
    const list = inc && inc.incidents ? inc.incidents : [];
    sec.hidden = !list.length;
    for (const i of list) {
      const removal = /^https?:\/\//i.test(i.removal) ? safeLink(i.removal, i.removal)
        : i.removal ? el("span", {}, i.removal) : null;
      const card = el("article", {class: "incident " + i.state, "data-provider": i.provider,
                                  "data-state": i.state});
      card.append(el("div", {class: "lhead"},
        el("span", {class: "badge " + (i.state === "open" ? "listed" : "clean")},
          i.state === "open" ? "open" : "closed"), " ",
        el("strong", {}, i.provider_name), " rejects our mail",
        i.code ? el("span", {class: "tag"}, i.code) : null,
        el("span", {class: "tag"}, i.kind)));
      if (i.meaning) card.append(el("div", {class: "meaning"}, i.meaning));
      card.append(el("div", {class: "small"},
        i.rejections + " rejection" + (i.rejections === 1 ? "" : "s") +
        (i.sending_ip ? " of mail from " + i.sending_ip : "") +
        " · opened " + when(i.opened) + " (" + ago(i.opened) + ")" +
        (i.closed ? " · closed " + when(i.closed) : "")));
      if (i.domains.length) {
        card.append(el("div", {class: "small"}, "Recipient domains: " +
          i.domains.map((d) => d.domain + " (" + d.rejections + ")").join(", ")));
      }
      if (i.context) card.append(el("div", {class: "small"}, "Listed then: " + i.context));
      if (i.advice) card.append(el("div", {class: "advice"}, "What to do: " + i.advice));
      if (removal) card.append(el("div", {class: "small"}, "Removal: ", removal));
      if (i.sample) card.append(el("div", {class: "txt"}, el("span", {class: "k"}, "log "), i.sample));
      box.append(card);
    }
  }

  function problem(msg) {
    const p = $("problem");
    p.hidden = !msg;
    p.textContent = msg || "";
  }

  async function refresh() {
    try {
      const [st, ev] = await Promise.all([
        getJSON(onlyProblems ? "/api/v1/status?only=problems" : "/api/v1/status"),
        getJSON("/api/v1/events?limit=" + EVENTS_SHOWN),
      ]);
      $("auth").hidden = true;
      problem(null);
      drawSummary(st);
      drawHealth(st);
      const small = st.summary.targets <= ALL_TARGETS_MAX;
      if (onlyProblems && small) {
        onlyProblems = false;
        return refresh(); // few targets: draw every one, clean ones too
      }
      onlyProblems = !small;
      drawTargets(st);
      drawEvents(ev);
      // incidents are extra: a server without them must not break the page
      drawIncidents(await getJSON("/api/v1/incidents?limit=10").catch(() => null));
    } catch (e) {
      if (e.unauthorized) {
        $("auth").hidden = false;
        problem("Access token needed.");
      } else {
        problem("Could not refresh: " + e.message + " (showing the last known state)");
      }
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("auth").addEventListener("submit", (ev) => {
      ev.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, $("token").value);
      $("token").value = "";
      refresh();
    });
    refresh();
    setInterval(refresh, REFRESH_MS);
  });
})();
