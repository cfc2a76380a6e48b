// app.js -- blmon's dashboard: problems worst first, recent changes, a target browser, timelines, heat maps,
// and a cluster's nodes.
// TXT records and reasons come from whoever runs a DNS zone: text only ever goes in with textContent (never
// parsed as HTML), and only http(s) URLs become links. No inline script; views are hash routes, no reload.
"use strict";

(function () {
  const REFRESH_MS = 10000;
  const FIRST_PAGE = 10;       // problems a section shows before "show more": a provider-wide
  const MORE_PAGE = 20;        // listing stays a short scroll below thousands of single-IP ones
  const CHANGES_FETCHED = 60;  // events asked for; grouped into rows, CHANGES_SHOWN at most
  const CHANGES_SHOWN = 12;
  const TARGETS_PAGE = 50;
  const ALL_TARGETS_MAX = 300; // above this many targets the browser starts on the problems
  const MAP_PAGE = 1000, MAP_PAGES_MAX = 5; // a /16 map reads at most 5 pages of problem targets
                                            // (1,000 each, fewer when a page reaches 1 MiB)
  const TOKEN_KEY = "blmon-token", VISIT_KEY = "blmon-last-visit";
  const SVG_NS = "http://www.w3.org/2000/svg";
  const SCOPES = ["ip", "domain", "network", "asn"];

  const $ = (id) => document.getElementById(id);

  // el("div", {class: "x"}, child, "text", ...): children are nodes or plain text.
  function el(tag, attrs, ...children) {
    return fill(document.createElement(tag), attrs, children);
  }

  // The same for SVG: elements made with createElementNS, never from markup strings.
  function svg(tag, attrs, ...children) {
    return fill(document.createElementNS(SVG_NS, tag), attrs, children);
  }

  // Replaces e's children; null, undefined and false children are left out, as in el().
  function setKids(e, ...children) {
    e.replaceChildren();
    return fill(e, null, children);
  }

  function fill(e, attrs, children) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") e.setAttribute("class", v);
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

  // Links inside the page: the path is ours, the name is encoded, so a target's name cannot
  // become a scheme or leave the hash.
  const targetHref = (name) => "#/target/" + encodeURIComponent(name);
  const netHref = (cidr) => "#/net/" + encodeURIComponent(cidr);
  const targetLink = (name) => el("a", {class: "tname", href: targetHref(name)}, name);

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

  const plural = (n, one, many) => n + " " + (n === 1 ? one : many || one + "s");

  // ---- the previous visit ----

  // What is newer than the previous visit is marked "new" for this whole session. The stored
  // time moves on with every refresh, so the next visit compares with when this one ended.
  const lastVisit = (() => {
    try {
      const v = Number(localStorage.getItem(VISIT_KEY));
      return v > 0 ? v : null;
    } catch (_) {
      return null;
    }
  })();

  function visitSeen() {
    try {
      localStorage.setItem(VISIT_KEY, String(Date.now()));
    } catch (_) { /* private mode: no markers, nothing else lost */ }
  }

  const isNew = (iso) => lastVisit !== null && !!iso && Date.parse(iso) > lastVisit;
  const newTag = (iso) => isNew(iso) ? el("span", {class: "tag newtag", title: "since your last visit"}, "new") : null;

  // ---- the API ----

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
    if (!r.ok) {
      const e = new Error((body && body.error) || "HTTP " + r.status);
      e.status = r.status;
      throw e;
    }
    return body;
  }

  // ---- IPv4 networks, for the heat maps ----

  function ip4(s) {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s || "");
    if (!m) return null;
    const b = m.slice(1).map(Number);
    return b.some((x) => x > 255) ? null : ((b[0] << 24) >>> 0) + (b[1] << 16) + (b[2] << 8) + b[3];
  }

  const ip4str = (n) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");

  // "a.b.c.d/n" or an address: {base, len}, or null when it is not IPv4.
  function cidr4(s) {
    const [a, l] = String(s).split("/");
    const n = ip4(a), len = l === undefined ? 32 : Number(l);
    if (n === null || !/^\d{1,2}$/.test(l === undefined ? "32" : l) || len > 32) return null;
    const mask = len ? (0xffffffff << (32 - len)) >>> 0 : 0;
    return {base: (n & mask) >>> 0, len};
  }

  // ---- summary, health, notices ----

  let lastSummary = null;

  function drawSummary(sum) {
    const t = sum.targets, p = sum.problems;
    const set = (id, v) => { $(id).textContent = v; };
    set("count-own", t.own);
    set("count-neighbourhood", t.neighbourhood);
    set("count-clean", t.clean);
    set("count-unchecked", t.unchecked);
    set("count-stale", t.stale);
    set("count-problems", p.total);
    set("count-ignored", p.ignored);
    for (const [cls, n] of [["own", t.own], ["hood", t.neighbourhood], ["unchecked", t.unchecked],
                            ["stale", t.stale], ["problems", p.total], ["ignored", p.ignored]]) {
      document.querySelector("#summary .pill." + cls).classList.toggle("zero", !n);
    }
    const c = sum.last_cycle;
    $("meta").textContent = (c
      ? "Last check " + ago(c.ended) + ": " + plural(t.total, "target") + ", " + plural(c.lists, "list") +
        ", " + c.queries + " queries in " + c.duration_seconds + " s."
      : "No check cycle has finished yet.") + " Updated " + new Date().toLocaleTimeString() + ".";
    document.title = (p.total ? "(" + plural(p.total, "problem") + ") " : "") + "blmon — blocklist problems";
  }

  // One banner for one root cause: the resolver's when it is down (it says it for every list),
  // else each unhealthy list once.
  function drawHealth(sum) {
    const box = $("health");
    box.replaceChildren();
    if (sum.resolver && sum.resolver.state === "down") {
      box.append(el("div", {class: "banner resolver", role: "alert"},
        el("strong", {}, "The resolver does not answer: nothing could be checked since " +
          when(sum.resolver.since) + " (" + ago(sum.resolver.since) + ")"),
        sum.resolver.reason ? el("span", {class: "detail"}, ": " + sum.resolver.reason) : null,
        el("div", {class: "advice"}, "What to do: check that the resolver is running and " +
          "reachable from blmon."),
        el("div", {class: "small"}, "Every listing and clean result is shown as last confirmed.")));
      return;
    }
    for (const l of sum.lists) {
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

  function notice(msg) {
    const p = $("notice");
    p.hidden = !msg;
    p.textContent = msg || "";
  }

  // ---- problems ----

  // "SBL: spam source; XBL: exploited host (127.0.0.2, 127.0.0.4)"
  function meaningText(meanings, codes) {
    const c = codes.join(", ");
    return meanings.length ? meanings.join("; ") + (c ? " (" + c + ")" : "") : c;
  }

  // The names of the ASes that problems name ("AS64500"): the problem carries the number, its
  // targets' ASN data the name. Asked once per AS and session, with the problem's first target.
  // An AS not named yet (its lookup has not run) is asked again after ten minutes.
  const asNames = new Map();

  function asName(p) {
    const span = el("span", {class: "asname", "data-as": p.entity}, p.entity);
    const show = (s, name) => { s.textContent = name ? p.entity + " " + name : p.entity; };
    const known = asNames.get(p.entity);
    if (known && (known.name || Date.now() - known.asked < 600000)) {
      show(span, known.name);
    } else {
      asNames.set(p.entity, {name: "", asked: Date.now()});
      getJSON(p.url + "?limit=1").then((doc) => {
        const t = doc.affected_targets && doc.affected_targets[0], a = t && t.asn;
        const name = a && a.name && "AS" + a.asn === p.entity ? a.name : "";
        asNames.set(p.entity, {name, asked: Date.now()});
        for (const s of document.querySelectorAll("span.asname")) {
          if (s.dataset.as === p.entity) show(s, name);
        }
      }).catch(() => asNames.delete(p.entity));
    }
    return span;
  }

  // Which of your addresses a problem affects: the first few, and the way to all of them.
  function affected(p) {
    const box = el("div", {class: "affected small"});
    const shown = p.targets.slice(0, 4);
    box.append("Affects " + p.affected + " of your addresses: ");
    shown.forEach((t, i) => box.append(i ? ", " : "", targetLink(t)));
    if (p.affected > shown.length) {
      box.append(" ", el("a", {href: "#/problem/" + p.id}, "and " + (p.affected - shown.length) + " more →"));
    }
    return box;
  }

  // brief: an earlier card of the section gave the same list's advice; this one folds it
  function problemCard(p, brief) {
    const card = el("article", {class: "pcard scope-" + p.scope + " sev-" + p.severity +
                                (p.ignored_by ? " is-ignored" : "") + (isNew(p.since) ? " is-new" : ""),
                                "data-id": p.id, "data-zone": p.zone, "data-entity": p.entity,
                                "data-scope": p.scope});
    card.append(el("div", {class: "phead"},
      el("span", {class: "sev " + p.severity, title: "how much this list matters to receivers"}, p.severity),
      newTag(p.since),
      el("h3", {class: "headline"}, p.headline),
      p.stale ? el("span", {class: "tag staletag", title: "the list has not answered for a while: as last confirmed"}, "stale") : null));

    // what is listed, named and linked: the address, the network on a map, the provider's AS
    const what = el("div", {class: "what"});
    if (p.scope === "ip" || p.scope === "domain") {
      what.append(targetLink(p.entity), " on ", el("strong", {}, p.name), " ", el("span", {class: "zone"}, p.zone));
    } else if (p.scope === "network") {
      const net = cidr4(p.entity);
      what.append(el("strong", {}, p.entity), " on ", el("strong", {}, p.name), " ", el("span", {class: "zone"}, p.zone));
      if (net) what.append(" · ", el("a", {href: netHref(p.entity), class: "maplink"}, "map"));
    } else {
      what.append("Your provider ", el("strong", {}, asName(p)), " on ", el("strong", {}, p.name), " ",
                  el("span", {class: "zone"}, p.zone));
    }
    card.append(what);
    if (p.scope === "network" || p.scope === "asn" || p.affected > 1) card.append(affected(p));
    if (p.meanings.length || p.codes.length) card.append(el("div", {class: "meaning"}, meaningText(p.meanings, p.codes)));
    if (p.txt) card.append(el("div", {class: "txt"}, el("span", {class: "k"}, "TXT "), p.txt));
    if (p.advice && brief) {
      card.append(el("details", {class: "advice-more"}, el("summary", {}, "What to do"), el("div", {class: "advice"}, p.advice)));
    } else if (p.advice) {
      card.append(el("div", {class: "advice"}, el("b", {}, "What to do: "), p.advice));
    }
    const foot = el("div", {class: "small foot"});
    if (p.since) foot.append("Listed since " + when(p.since) + " (" + ago(p.since) + ")");
    if (p.removal_url) {
      const link = safeLink(p.removal_url, "Removal request ↗");
      foot.append(foot.childNodes.length ? " · " : "", link);
    }
    if (foot.childNodes.length) card.append(foot);
    if (p.ignored_by) card.append(el("div", {class: "small"}, "Ignored by the rule ", el("code", {}, p.ignored_by)));
    return card;
  }

  // ---- recent changes ----

  // A network's first cycle lists its addresses in the same second: one row per list and change
  // within two minutes, naming its addresses as ranges, instead of one row per address.
  function groupEvents(events) {
    const rows = [];
    for (const e of events) {
      const g = e.source === "dnsbl" && rows.find((r) => r.source === "dnsbl" && r.zone === e.zone &&
        r.from === e.from && r.to === e.to && Date.parse(r.at) - Date.parse(e.at) < 120000);
      if (g) g.targets.push(e.target);
      else rows.push({...e, targets: e.source === "dnsbl" ? [e.target] : []});
    }
    return rows;
  }

  // Names in numeric order, consecutive IPv4 addresses folded: [["203.0.113.0", "203.0.113.15"], ["x"]].
  function ranges(names) {
    const v4 = [], other = [];
    for (const n of new Set(names)) (ip4(n) === null ? other : v4).push(n);
    v4.sort((a, b) => ip4(a) - ip4(b));
    const out = [];
    for (const n of v4) {
      const last = out[out.length - 1];
      if (last && ip4(n) === ip4(last[1]) + 1) last[1] = n;
      else out.push([n, n]);
    }
    return out.concat(other.sort().map((n) => [n, n]));
  }

  function namesOf(targets, max) {
    const box = el("span", {class: "who"}), rs = ranges(targets);
    rs.slice(0, max).forEach(([a, b], i) => {
      box.append(i ? ", " : "", targetLink(a));
      if (b !== a) box.append("–", targetLink(b), " (" + (ip4(b) - ip4(a) + 1) + ")");
    });
    if (rs.length > max) {
      const rest = rs.slice(max).reduce((n, [a, b]) => n + (b === a ? 1 : ip4(b) - ip4(a) + 1), 0);
      box.append(" and " + plural(rest, "more address", "more addresses"));
    }
    return box;
  }

  // one: the target the whole view is about, left out of its rows
  function eventRow(e, one) {
    const t = el("time", {datetime: e.at, title: when(e.at)}, ago(e.at));
    if (e.source === "incident") {
      // a provider incident from the MTA's log: strings from log lines, as text only
      return el("li", {class: "event incident to-" + e.to, "data-provider": e.provider},
        t, newTag(e.at), " ", el("strong", {}, e.provider_name),
        " rejects our mail" + (e.code ? " (" + e.code + ")" : "") + ": ",
        el("span", {class: "badge " + (e.to === "open" ? "listed" : "clean")},
          "incident " + (e.to === "open" ? "opened" : "closed")));
    }
    // the first answer comes from "unchecked": the state before any answer
    return el("li", {class: "event to-" + e.to, "data-zone": e.zone},
      t, newTag(e.at), " ",
      el("span", {class: "badge " + (e.from || "unchecked")}, e.from || "unchecked"), "→",
      el("span", {class: "badge " + e.to}, e.to), " ",
      el("strong", {}, e.name), " ", one ? null : namesOf(e.targets, 3),
      e.meanings.length && e.to === "listed" ? el("div", {class: "small"}, e.meanings.join("; ")) : null,
      e.reason ? el("div", {class: "small"}, e.reason) : null);
  }

  function drawEvents(ev) {
    const box = $("events");
    box.replaceChildren();
    const rows = groupEvents(ev.events).slice(0, CHANGES_SHOWN);
    if (!rows.length) {
      box.append(el("li", {class: "empty"}, "No listing or delisting recorded yet."));
      return;
    }
    for (const r of rows) box.append(eventRow(r));
  }

  // Rejections by big providers seen in the MTA's log ([logwatch]). Every string came from a
  // log line or a remote server: text only, links only for http(s).
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
        plural(i.rejections, "rejection") + (i.sending_ip ? " of mail from " + i.sending_ip : "") +
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

  // ---- the cluster ([cluster]): its nodes, what each holds, and where they disagree ----

  // A node's state in one word: checking (renewing, its resolver answers), cannot-check (renewing,
  // its resolver fails: it gave its shards away), lost (no renewal for a lease: killed or cut off
  // from the database; the others took its shards).
  function nodeState(n) {
    return !n.live ? "lost" : n.can_check ? "checking" : "cannot-check";
  }

  const NODE_STATE_TEXT = {checking: "checking", "cannot-check": "cannot check", lost: "lost"};

  function nodeCard(n, doc) {
    const st = nodeState(n);
    const why = st === "lost"
      ? "No renewal for " + (doc.lease_seconds ? "over " + doc.lease_seconds + " s" : "a lease") +
        ": killed or cut off from the database." + (n.shards ? "" : " Its shards went to the others.")
      : st === "cannot-check" ? "Its resolver fails: it holds no shard until it answers again." : null;
    // each node reads or mirrors its own copy of a list's data files: how old its copy is
    const data = (n.lists || []).filter((l) => l.data_updated_at);
    return el("article", {class: "node " + st, "data-node": n.node, "data-state": st, "data-shards": n.shards},
      el("div", {class: "lhead"},
        el("strong", {class: "nname"}, n.node),
        el("span", {class: "badge nstate " + st}, NODE_STATE_TEXT[st]),
        n.coordinator ? el("span", {class: "tag coord", title: "sends the alerts and digests the problems"}, "coordinator") : null,
        n.node === doc.this_node ? el("span", {class: "tag", title: "the node serving this page"}, "this node") : null),
      el("div", {class: "small"},
        el("span", {class: "nshards"}, plural(n.shards, "shard")), " of " + doc.shards + " · last renewal ",
        el("time", {datetime: n.last_renewal || "", title: when(n.last_renewal)}, n.last_renewal ? ago(n.last_renewal) : "never")),
      data.length ? el("div", {class: "small ndata"}, "Its data files: ",
        ...data.flatMap((l, i) => [i ? ", " : "",
          el("span", {"data-zone": l.zone, title: when(l.data_updated_at)}, l.zone + " from " + ago(l.data_updated_at))])) : null,
      why ? el("div", {class: "small why"}, why) : null);
  }

  // The lists the live nodes see differently: a list is dead, a wildcard, refusing or unreachable
  // only when they agree, so one node's resolver does not sideline it; this shows who found what.
  function disagreements(doc) {
    const by = new Map();
    for (const n of doc.nodes) {
      if (!n.live) continue;
      for (const l of n.lists) {
        if (l.health === "untested") continue;
        if (!by.has(l.zone)) by.set(l.zone, []);
        by.get(l.zone).push({node: n.node, ...l});
      }
    }
    return [...by].filter(([, v]) => new Set(v.map((x) => x.health)).size > 1);
  }

  function drawCluster(doc) {
    const sec = $("cluster-s");
    // alone (or a server without the document): no section
    sec.hidden = !doc || !doc.this_node;
    if (sec.hidden) return;
    const live = doc.nodes.filter((n) => n.live);
    setKids($("cluster-line"), plural(doc.nodes.length, "node") + ", " + live.length + " live, " +
      "sharing " + plural(doc.shards, "shard") + " of the targets" +
      (doc.shards_unheld ? "; " : "."),
      doc.shards_unheld ? el("strong", {class: "unheld"}, plural(doc.shards_unheld, "shard") +
        " held by no node: nobody checks their targets until one takes them.") : null);
    const box = $("cluster");
    setKids(box, ...doc.nodes.map((n) => nodeCard(n, doc)));
    if (!doc.nodes.length) box.append(el("p", {class: "empty"}, "No node has renewed its leases yet."));
    setKids($("cluster-lists"), ...disagreements(doc).map(([zone, views]) =>
      el("div", {class: "disagree", "data-zone": zone},
        el("strong", {}, "The nodes disagree on " + zone + ":"),
        ...views.map((v) => el("div", {class: "view", "data-node": v.node}, v.node + " finds it ",
          el("span", {class: "badge " + (v.health === "ok" ? "clean" : "listed")}, v.health),
          v.tested_at ? " " + ago(v.tested_at) : "", v.detail ? ": " + v.detail : "")),
        el("div", {class: "small"}, "It is dead, a wildcard, refusing or unreachable only when every node agrees: " +
          "a node that finds it failing more likely has a resolver problem."))));
  }

  // ---- the overview: problems in three sections ----

  // Each list of problems shows `shown` of them; "show more" follows `next`, and a refresh asks
  // for as many as are shown, in one request per section.
  const sections = {};
  for (const s of [...SCOPES, "ignored"]) sections[s] = {shown: FIRST_PAGE, next: null, items: []};

  function problemsUrl(scope, limit) {
    return "/api/v1/problems?" + (scope === "ignored" ? "ignored=yes" : "scope=" + scope) + "&limit=" + limit;
  }

  function drawPlist(scope) {
    const st = sections[scope];
    const box = document.querySelector('.plist[data-scope="' + scope + '"]');
    const told = new Set(); // a list's advice, said once in full per section
    setKids(box, ...st.items.map((p) => {
      const key = p.zone + " " + p.scope, brief = told.has(key);
      told.add(key);
      return problemCard(p, brief);
    }));
    if (st.next) {
      const more = el("button", {type: "button", class: "more"}, "Show " + MORE_PAGE + " more");
      more.addEventListener("click", () => showMore(scope, more));
      box.append(more);
    }
  }

  async function showMore(scope, btn) {
    const st = sections[scope];
    if (!st.next) return;
    btn.disabled = true;
    try {
      const u = new URL(st.next, location.href);
      u.searchParams.set("limit", String(MORE_PAGE));
      const doc = await getJSON(u.pathname + u.search);
      st.items = st.items.concat(doc.problems);
      st.shown = st.items.length;
      st.next = doc.next;
      drawPlist(scope);
    } catch (e) {
      btn.disabled = false;
      notice("Could not load more: " + e.message);
    }
  }

  function drawSectionHead(id, n) {
    const sec = $(id);
    sec.querySelector("h2 .count").textContent = n ? String(n) : "";
    sec.classList.toggle("empty", !n);
    const empty = sec.querySelector(".none");
    if (!n && !empty) sec.append(el("p", {class: "none"}, "Nothing listed."));
    if (n && empty) empty.remove();
  }

  const overview = {
    // "#ignored" (the summary's link) opens the fold at once, not from a refresh: a refresh in
    // flight must not reopen what the user has closed meanwhile
    enter() {
      this.showIgnored = location.hash === "#ignored";
      if (this.showIgnored) $("ignored").open = true;
    },
    async refresh(sum, alive) {
      const by = sum.problems.by_scope;
      const wanted = SCOPES.filter((s) => by[s] > 0);
      const ign = $("ignored");
      if (sum.problems.ignored && ign.open) wanted.push("ignored");
      const asked = wanted.map((s) => Math.min(sections[s].shown, 5000));
      const [docs, ev, inc, clu] = await Promise.all([
        Promise.all(wanted.map((s, i) => getJSON(problemsUrl(s, asked[i])))),
        getJSON("/api/v1/events?changes=yes&limit=" + CHANGES_FETCHED),
        // incidents are extra: a server without them must not break the page
        getJSON("/api/v1/incidents?limit=10").catch(() => null),
        getJSON("/api/v1/cluster").catch(() => null),
      ]);
      if (!alive()) return;
      for (const s of [...SCOPES, "ignored"]) {
        const i = wanted.indexOf(s);
        if (i >= 0 && sections[s].shown > asked[i]) continue; // "show more" came meanwhile
        sections[s].items = i < 0 ? [] : docs[i].problems;
        sections[s].next = i < 0 ? null : docs[i].next;
        drawPlist(s);
      }
      drawSectionHead("sec-own", by.ip + by.domain);
      drawSectionHead("sec-network", by.network);
      drawSectionHead("sec-asn", by.asn);
      drawJump(by);
      ign.hidden = !sum.problems.ignored;
      $("ignored-line").textContent = plural(sum.problems.ignored, "ignored problem") +
        " (by [ignore] rules: never alerted)" + (ign.open ? "" : " — show");
      drawEvents(ev);
      drawIncidents(inc);
      drawCluster(clu);
      drawVisit(ev, docs);
      if (this.showIgnored && !ign.hidden) {
        this.showIgnored = false;
        ign.scrollIntoView();
      }
    },
  };

  // Many own listings push the network and provider sections down: a row of links to each
  // keeps a provider-wide listing one tap away.
  function drawJump(by) {
    const p = $("jump");
    p.hidden = by.ip + by.domain <= 3;
    if (p.hidden) return;
    setKids(p, "Jump to ",
      el("a", {href: "#sec-own"}, "your addresses (" + (by.ip + by.domain) + ")"), " · ",
      el("a", {href: "#sec-network"}, "your networks (" + by.network + ")"), " · ",
      el("a", {href: "#sec-asn"}, "your provider (" + by.asn + ")"));
  }

  function drawVisit(ev, docs) {
    const p = $("visit");
    p.hidden = false;
    if (lastVisit === null) {
      p.textContent = "Changes after this visit will be marked new next time.";
      return;
    }
    const changes = ev.events.filter((e) => isNew(e.at)).length;
    // counted among the problems shown: more may be new beyond a section's first page
    const problems = docs.reduce((n, d) => n + d.problems.filter((x) => isNew(x.since)).length, 0);
    const more = docs.some((d) => d.next) ? "+" : "";
    setKids(p, "Since your last visit (" + when(new Date(lastVisit).toISOString()) + "): ",
      el("b", {}, (changes === ev.events.length && ev.next ? changes + "+" : changes) +
        (changes === 1 ? " change" : " changes")), " and ",
      el("b", {}, problems + more + (problems === 1 && !more ? " new problem" : " new problems")),
      changes || problems ? ", marked " : ".",
      changes || problems ? el("span", {class: "tag newtag"}, "new") : null);
  }

  // ---- pages of targets: the browser and a problem's addresses ----

  // Walks a paged document with `next`, remembering the pages before for "previous".
  function pager(prev, next, info, onMove) {
    const pg = {stack: [], url: null, next: null};
    pg.reset = (url) => { pg.stack = []; pg.url = url; pg.next = null; };
    pg.got = (doc, n) => {
      pg.next = doc.next;
      prev.disabled = !pg.stack.length;
      next.disabled = !doc.next;
      info.textContent = n ? "page " + (pg.stack.length + 1) + (doc.next ? "" : " (last)") : "";
    };
    next.addEventListener("click", () => {
      if (!pg.next) return;
      pg.stack.push(pg.url);
      pg.url = pg.next;
      onMove();
    });
    prev.addEventListener("click", () => {
      if (!pg.stack.length) return;
      pg.url = pg.stack.pop();
      onMove();
    });
    return pg;
  }

  function targetRow(t) {
    const listed = t.results.filter((r) => r.status === "listed" && r.kind === "block");
    const failing = t.results.filter((r) => r.failing_since || r.stale);
    const row = el("article", {class: "target " + t.status, "data-target": t.target,
                               "data-status": t.status, "data-standing": t.standing});
    row.append(el("div", {class: "thead"},
      el("span", {class: "dot " + t.status + (t.standing === "neighbourhood" ? " hood" : ""),
                  title: t.status, "aria-label": t.status}),
      targetLink(t.target),
      el("span", {class: "status " + t.status}, t.status.toUpperCase()),
      t.standing === "neighbourhood" ? el("span", {class: "tag hoodtag"}, "neighbourhood") : null,
      t.stale ? el("span", {class: "tag staletag"}, "stale") : null));
    const asn = t.asn && t.asn.asn !== null ? "AS" + t.asn.asn + (t.asn.name ? " " + t.asn.name : "") : null;
    const block = t.results.filter((r) => r.kind === "block");
    const line = el("div", {class: "small"});
    if (listed.length) {
      line.append("listed on ");
      listed.forEach((r, i) => line.append(i ? ", " : "", el("strong", {}, r.name),
        r.scope === "network" || r.scope === "asn" ? " (" + (r.scope === "asn" ? "its AS" : "its network") + ")" : ""));
    } else {
      line.append(block.filter((r) => r.status === "clean").length + " of " + block.length + " block lists clean");
    }
    if (t.discovered_from) line.append(" · address of " + t.discovered_from);
    if (asn) line.append(" · " + asn);
    row.append(line);
    for (const r of failing) {
      row.append(el("div", {class: "freshness"}, el("span", {class: "tag staletag"}, r.stale ? "stale" : "checks failing"),
        " " + r.name + ": last confirmed " + (r.checked_at ? ago(r.checked_at) : "never") +
        (r.failing_reason ? " — " + r.failing_reason : "")));
    }
    return row;
  }

  const browser = {
    pg: null,
    params: null,
    enter(r) {
      const p = new URLSearchParams(r.params);
      if (!r.params.has("status") && lastSummary && lastSummary.targets.total > ALL_TARGETS_MAX) {
        p.set("status", "problems");
      }
      this.params = p;
      $("f-q").value = p.get("q") || "";
      $("f-status").value = p.get("status") || "";
      $("f-prefix").value = p.get("prefix") || "";
      this.zone = p.get("zone") || "";
      $("f-zone").value = this.zone;
      const q = new URLSearchParams(), lim = Number(p.get("limit"));
      q.set("limit", String(lim >= 1 && lim <= 500 ? Math.floor(lim) : TARGETS_PAGE));
      for (const k of ["status", "zone", "prefix", "q"]) if (p.get(k)) q.set(k, p.get(k));
      this.pg.reset("/api/v1/targets?" + q.toString());
      $("targets").replaceChildren();
      $("targets-note").replaceChildren();
    },
    zones(sum) {
      const sel = $("f-zone"), want = sum.lists.map((l) => l.zone).join(" ");
      if (sel.dataset.zones === want) return;
      sel.dataset.zones = want;
      setKids(sel, el("option", {value: ""}, "any"),
        ...sum.lists.map((l) => el("option", {value: l.zone}, l.name + " (" + l.zone + ")")));
      sel.value = this.zone || "";
    },
    async refresh(sum, alive) {
      this.zones(sum);
      let doc;
      try {
        doc = await getJSON(this.pg.url);
      } catch (e) {
        if (e.status !== 400 && e.status !== 404) throw e;
        if (!alive()) return;
        setKids($("targets"), el("p", {class: "empty"}, e.message));
        return;
      }
      if (!alive()) return;
      setKids($("targets"), ...doc.targets.map(targetRow));
      if (!doc.targets.length) $("targets").append(el("p", {class: "empty"}, "No target matches."));
      const note = $("targets-note"), p = this.params, prefix = cidr4(p.get("prefix"));
      setKids(note, plural(sum.targets.total, "target") + " in all.");
      if (prefix && prefix.len >= 16 && prefix.len <= 32) {
        note.append(" ", el("a", {href: netHref(p.get("prefix"))}, "See " + p.get("prefix") + " on a map"));
      }
      this.pg.got(doc, doc.targets.length);
    },
  };

  // ---- one problem and the addresses it affects ----

  const problemView = {
    enter(r) {
      const box = $("view-problem");
      this.id = r.id;
      this.head = el("div", {});
      this.list = el("div", {class: "targets"});
      const prev = el("button", {type: "button"}, "← Previous"), next = el("button", {type: "button"}, "Next →");
      const info = el("span", {class: "small"});
      this.pg = pager(prev, next, info, () => refreshNow());
      this.pg.reset("/api/v1/problems/" + encodeURIComponent(r.id) + "?limit=" + TARGETS_PAGE);
      setKids(box, el("p", {class: "crumbs"}, el("a", {href: "#/"}, "← Problems")), this.head,
        el("h3", {}, "Affected addresses"), this.list, el("nav", {class: "pager"}, prev, info, next));
    },
    async refresh(sum, alive) {
      let doc;
      try {
        doc = await getJSON(this.pg.url);
      } catch (e) {
        if (e.status !== 404) throw e;
        if (!alive()) return;
        setKids(this.head, el("p", {class: "empty"}, "This problem is solved (or was never one)."));
        this.list.replaceChildren();
        return;
      }
      if (!alive()) return;
      setKids(this.head, problemCard(doc, false));
      setKids(this.list, ...doc.affected_targets.map(targetRow));
      this.pg.got(doc, doc.affected_targets.length);
    },
  };

  // ---- one target: its results and its history ----

  // Microsoft SNDS's word on a target: its numbers of the day when SNDS has them, else why
  // it has none (SNDS covers only the addresses registered to its key). Text only.
  function sndsLine(t) {
    const n = t.snds;
    const zones = new Set(((lastSummary && lastSummary.lists) || []).filter((l) => l.source === "snds")
      .map((l) => l.zone));
    if (n) {
      return el("div", {class: "snds small", "data-filter": n.filter},
        el("strong", {}, "Microsoft SNDS"), " (Outlook.com, until " + n.activity_end + "): ",
        el("span", {class: "badge " + (n.filter === "GREEN" ? "clean" : "listed")}, n.filter), " · " +
        n.messages + " messages to " + n.recipients + " recipients · complaint rate " +
        (n.complaint_rate || "n/a") + " · " + plural(n.trap_hits, "trap hit") +
        (n.trap_start ? " (" + n.trap_start + " to " + n.trap_end + ")" : "") +
        (n.comments ? " · " + n.comments : ""));
    }
    const r = t.results.find((x) => zones.has(x.zone) && x.status === "clean" && x.reason);
    return r ? el("div", {class: "snds small"}, el("strong", {}, "Microsoft SNDS"), ": " + r.reason) : null;
  }

  function resultItem(r) {
    const hood = r.scope === "network" || r.scope === "asn";
    const li = el("li", {class: "listing " + r.status + (hood ? " hood" : ""), "data-zone": r.zone});
    li.append(el("div", {class: "lhead"},
      el("span", {class: "badge " + r.status}, r.status),
      el("strong", {}, r.name), " ", el("span", {class: "zone"}, r.zone),
      r.kind !== "block" ? el("span", {class: "tag"}, r.kind + " list") : null,
      hood && r.status === "listed" ? el("span", {class: "tag hoodtag"},
        r.scope === "asn" ? "the whole AS is listed" : "the network is listed") : null));
    if (r.codes.length && (r.status === "listed" || !r.reason)) {
      li.append(el("div", {class: "meaning"}, meaningText(r.meanings, r.codes)));
    }
    for (const t of r.txt) li.append(el("div", {class: "txt"}, el("span", {class: "k"}, "TXT "), t));
    if (r.reason) li.append(el("div", {class: "reason"}, r.reason));
    // stale is shown beside the state, never instead of it
    if (r.stale || r.failing_since) {
      li.append(el("div", {class: "freshness"},
        el("span", {class: "tag staletag"}, r.stale ? "stale" : "checks failing"),
        " last confirmed " + (r.checked_at ? ago(r.checked_at) : "never") +
        (r.failing_since ? " — checks failing since " + when(r.failing_since) +
          (r.failing_reason ? ": " + r.failing_reason : "") : "")));
    }
    const foot = el("div", {class: "small"});
    if (r.since && r.status !== "unchecked") {
      foot.append((r.status === "listed" ? "Listed since " : "Clean since ") + when(r.since) + " (" + ago(r.since) + ")");
    }
    if (r.removal_url && r.status === "listed") foot.append(r.since ? " · " : "", safeLink(r.removal_url, "Removal request ↗"));
    if (foot.childNodes.length) li.append(foot);
    return li;
  }

  // Each list's states over time as bars: listed red, clean green, no answer yet grey. Drawn
  // from the target's events (every confirmed change), so a failed check leaves no gap.
  function timeline(t, width) {
    const now = Date.parse(t.generated_at) || Date.now();
    const byZone = new Map();
    for (const e of t.events) {
      if (!byZone.has(e.zone)) byZone.set(e.zone, []);
      byZone.get(e.zone).push(e);
    }
    const rows = t.results.filter((r) => r.kind === "block" || byZone.has(r.zone));
    let t0 = Date.parse(t.first_seen) || now;
    for (const e of t.events) t0 = Math.min(t0, Date.parse(e.at));
    t0 = Math.min(t0, now - 1000); // a fresh target's history fills the row, however short
    const W = Math.max(300, width), L = Math.min(150, Math.round(W * 0.32)), R = 8;
    const RH = 18, GAP = 8, TOP = 4, AXIS = 30;
    const H = TOP + rows.length * (RH + GAP) + AXIS;
    const x = (ms) => L + (W - L - R) * (ms - t0) / (now - t0);
    const root = svg("svg", {class: "timeline", viewBox: "0 0 " + W + " " + H, width: W, height: H,
                             role: "img", "aria-label": "History of " + t.target + " on each list"});
    rows.forEach((r, i) => {
      const y = TOP + i * (RH + GAP);
      const name = r.name.length > 22 ? r.name.slice(0, 21) + "…" : r.name;
      root.append(svg("text", {x: 0, y: y + RH - 5, class: "tl-label"}, name, svg("title", {}, r.name + " (" + r.zone + ")")));
      root.append(svg("rect", {x: L, y, width: W - L - R, height: RH, rx: 3, class: "tl-track"}));
      const evs = (byZone.get(r.zone) || []).slice().sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.id - b.id);
      const spans = evs.map((e, k) => ({from: Date.parse(e.at), to: k + 1 < evs.length ? Date.parse(evs[k + 1].at) : now, state: e.to}));
      if (!spans.length) spans.push({from: Date.parse(r.since) || t0, to: now, state: r.status});
      for (const s of spans) {
        const x0 = x(Math.max(s.from, t0)), x1 = x(s.to);
        root.append(svg("rect", {x: x0.toFixed(1), y, width: Math.max(2, x1 - x0).toFixed(1), height: RH, rx: 3,
                                 class: "tl-span " + s.state, "data-zone": r.zone, "data-state": s.state},
          svg("title", {}, r.name + ": " + s.state + " from " + new Date(s.from).toLocaleString() +
            (s.to >= now ? " until now" : " to " + new Date(s.to).toLocaleString()))));
      }
    });
    const yAxis = TOP + rows.length * (RH + GAP) + 2;
    root.append(svg("line", {x1: L, x2: W - R, y1: yAxis, y2: yAxis, class: "tl-axis"}));
    const range = now - t0;
    const fmt = (ms) => range > 2 * 86400000 ? new Date(ms).toLocaleDateString()
      : new Date(ms).toLocaleTimeString([], range > 3600000 ? {hour: "2-digit", minute: "2-digit"}
        : {hour: "2-digit", minute: "2-digit", second: "2-digit"});
    const ticks = W - L > 260 ? [0, 0.5, 1] : [0, 1];
    for (const f of ticks) {
      const ms = t0 + f * (now - t0), xx = x(ms);
      root.append(svg("line", {x1: xx, x2: xx, y1: yAxis, y2: yAxis + 4, class: "tl-axis"}));
      root.append(svg("text", {x: xx, y: yAxis + 16, class: "tl-tick", "text-anchor": f === 0 ? "start" : f === 1 ? "end" : "middle"},
        f === 1 ? "now" : fmt(ms)));
    }
    return root;
  }

  const targetView = {
    enter(r) {
      this.name = r.name;
      setKids($("view-target"), el("p", {class: "crumbs"}, el("a", {href: "#/targets"}, "← Targets")),
        el("p", {class: "small"}, "Loading " + r.name + "…"));
    },
    async refresh(sum, alive) {
      let t;
      try {
        t = await getJSON("/api/v1/targets/" + encodeURIComponent(this.name));
      } catch (e) {
        if (e.status !== 404) throw e;
        if (!alive()) return;
        setKids($("view-target"), el("p", {class: "crumbs"}, el("a", {href: "#/targets"}, "← Targets")),
          el("p", {class: "empty"}, "No monitored target " + this.name + "."));
        return;
      }
      if (!alive()) return;
      const box = $("view-target");
      const width = (box.clientWidth || 640) - 26; // the timeline's box: its padding and border
      const a = t.asn && t.asn.asn !== null ? t.asn : null;
      const addr = t.type === "ipv4" ? ip4(t.target) : null;
      const facts = el("p", {class: "facts small"},
        t.standing === "own" ? "Listed itself" : t.standing === "neighbourhood" ? "Listed through its network or AS" :
          t.standing === "unchecked" ? "No list has answered for it yet" : "Clean on every block list",
        a ? " · AS" + a.asn + (a.name ? " " + a.name : "") + (a.prefix ? " (" + a.prefix + ")" : "") : "",
        t.discovered_from ? " · address of " + t.discovered_from : "",
        t.first_seen ? " · monitored since " + when(t.first_seen) : "",
        t.active ? "" : " · no longer in the configuration");
      if (addr !== null) {
        const net = ip4str((addr & 0xffffff00) >>> 0) + "/24";
        facts.append(" · ", el("a", {href: netHref(net), class: "maplink"}, net + " on a map"));
      }
      const order = {listed: 0, unchecked: 1, clean: 2};
      const results = t.results.slice().sort((x, y) => (order[x.status] - order[y.status]) ||
        ((y.stale || y.failing_since ? 1 : 0) - (x.stale || x.failing_since ? 1 : 0)));
      const shown = results.filter((r) => r.status !== "clean" || r.stale || r.failing_since);
      const clean = results.filter((r) => !shown.includes(r));
      const hist = el("ol", {class: "events"});
      for (const e of t.events.slice(0, 100)) hist.append(eventRow({...e, targets: [e.target]}, true));
      if (!t.events.length) hist.append(el("li", {class: "empty"}, "No change recorded yet."));
      setKids(box,
        el("p", {class: "crumbs"}, el("a", {href: "#/targets"}, "← Targets")),
        el("h2", {class: "thead big"}, el("span", {class: "dot " + t.status + (t.standing === "neighbourhood" ? " hood" : "")}),
          el("span", {class: "tname"}, t.target), el("span", {class: "status " + t.status}, t.status.toUpperCase()),
          t.stale ? el("span", {class: "tag staletag"}, "stale") : null),
        facts,
        el("h3", {}, "Now"),
        shown.length ? el("ul", {class: "listings"}, ...shown.map(resultItem)) : null,
        clean.length ? el("p", {class: "small cleanline"}, "Clean on " + clean.map((r) => r.name).join(", ") + ".") : null,
        sndsLine(t),
        el("h3", {}, "History"),
        el("div", {class: "tlbox"}, timeline(t, width),
          el("p", {class: "legend small"}, el("span", {class: "sw listed"}), "listed ", el("span", {class: "sw clean"}), "clean ",
            el("span", {class: "sw unchecked"}), "no answer yet ", el("span", {class: "sw track"}), "not monitored yet")),
        hist);
    },
  };

  // ---- heat maps: a /24 as 16x16 addresses, a /16 as 16x16 /24s ----

  const WORST = {own: 5, hood: 4, unchecked: 3, stale: 2, clean: 1, none: 0};
  const CELL_TEXT = {own: "listed itself", hood: "listed through its network or AS", unchecked: "no answer yet",
                     stale: "stale", clean: "clean", none: "not monitored"};

  function cellClass(t) {
    if (t.standing === "own") return "own";
    if (t.standing === "neighbourhood") return "hood";
    if (t.standing === "unchecked" || t.status === "unchecked") return "unchecked";
    return t.stale ? "stale" : "clean";
  }

  const mapView = {
    enter(r) {
      this.cidr = r.cidr;
      this.net = cidr4(r.cidr);
      this.cycle = undefined;
      const box = $("view-net");
      setKids(box, el("p", {class: "crumbs"}, el("a", {href: "#/"}, "← Problems")));
      if (!this.net) {
        box.append(el("p", {class: "empty"}, "Maps are drawn for IPv4 networks: " + r.cidr + " is none."));
        return;
      }
      // a /24 or longer: its /24 address by address; shorter: its /16, one cell per /24
      this.fine = this.net.len >= 24;
      const span = this.fine ? 24 : 16;
      this.base = this.net.len >= span ? (this.net.base & ((0xffffffff << (32 - span)) >>> 0)) >>> 0 : this.net.base;
      this.grid = ip4str(this.base) + "/" + span;
      this.body = el("div", {class: "mapbox"}, el("p", {class: "small"}, "Loading the map of " + this.grid + "…"));
      box.append(el("h2", {}, this.grid + (this.fine ? ": each cell one address" : ": each cell one /24")), this.body);
    },
    async refresh(sum, alive) {
      if (!this.net) return;
      // the map reads pages of targets: only again when a cycle has finished since
      const cyc = sum.last_cycle ? sum.last_cycle.id : null;
      if (this.cycle === cyc) return;
      const cells = new Array(256).fill(null).map(() => ({cls: "none", n: 0, by: {}}));
      let truncated = 0; // the addresses read, when more were left unread
      const put = (t) => {
        const a = ip4(t.target);
        if (a === null) return;
        const i = this.fine ? a & 255 : (a >>> 8) & 255;
        if (((a & (this.fine ? 0xffffff00 : 0xffff0000)) >>> 0) !== this.base) return;
        const c = cells[i], k = cellClass(t);
        c.n++;
        c.by[k] = (c.by[k] || 0) + 1;
        if (WORST[k] > WORST[c.cls]) c.cls = k;
      };
      if (this.fine) {
        // at most 256 targets each, clean ones too, to tell them from unmonitored; a page may end
        // before its limit (the server keeps pages under 1 MiB: many lists), so follow next
        const q = "/api/v1/targets?prefix=" + encodeURIComponent(this.grid) + "&limit=256&status=";
        const every = async (url) => {
          const got = [];
          while (url) {
            const doc = await getJSON(url);
            got.push(...doc.targets);
            url = doc.next;
          }
          return got;
        };
        const [bad, good] = await Promise.all([every(q + "problems"), every(q + "clean")]);
        if (!alive()) return;
        good.forEach(put);
        bad.forEach(put);
      } else {
        // a /16: only targets with a problem, a bounded number of pages; the rest shows as clean
        let url = "/api/v1/targets?prefix=" + encodeURIComponent(this.grid) + "&status=problems&limit=" + MAP_PAGE;
        let read = 0;
        for (let pages = 0; url && pages < MAP_PAGES_MAX; pages++) {
          const doc = await getJSON(url);
          if (!alive()) return;
          doc.targets.forEach(put);
          read += doc.targets.length;
          url = doc.next;
        }
        truncated = url ? read : 0;
      }
      this.cycle = cyc;
      this.draw(cells, truncated);
    },
    draw(cells, truncated) {
      const inside = (i) => {
        const a = this.fine ? this.base + i : this.base + i * 256;
        const lo = this.net.base, hi = this.net.base + 2 ** (32 - this.net.len) - 1;
        return this.fine ? a >= lo && a <= hi : a + 255 >= lo && a <= hi;
      };
      const root = svg("svg", {class: "heat", viewBox: "-2.2 -1.2 18.4 17.4", role: "img",
                               "aria-label": "Heat map of " + this.grid});
      for (let c = 0; c < 16; c++) root.append(svg("text", {x: c + 0.46, y: -0.35, class: "hm-axis", "text-anchor": "middle"}, String(c)));
      for (let r = 0; r < 16; r++) {
        root.append(svg("text", {x: -0.3, y: r + 0.62, class: "hm-axis", "text-anchor": "end"},
          (this.fine ? "." : "") + r * 16));
      }
      const counts = {};
      cells.forEach((cell, i) => {
        const row = i >> 4, col = i & 15;
        const name = this.fine ? ip4str(this.base + i) : ip4str(this.base + i * 256) + "/24";
        let cls = cell.cls;
        if (!this.fine && cls === "none") cls = "ok"; // only problems were read: no problem known
        counts[cls] = (counts[cls] || 0) + 1;
        // a /24 of the /16: paler the fewer of its addresses have a problem; an orange edge when
        // its network is listed under the own listings that colour it
        const both = !this.fine && cls === "own" && cell.by.hood;
        const shade = this.fine || !cell.n ? null : (0.4 + 0.6 * Math.sqrt(Math.min(cell.n, 256) / 256)).toFixed(2);
        const what = this.fine ? CELL_TEXT[cls] : cls === "ok" ? "no listed, unchecked or stale address known"
          : plural(cell.n, "address", "addresses") + " with a problem: " +
            Object.keys(CELL_TEXT).filter((k) => cell.by[k]).map((k) => cell.by[k] + " " + CELL_TEXT[k]).join(", ");
        if (both) counts.both = (counts.both || 0) + 1;
        const rect = svg("rect", {x: col + 0.04, y: row + 0.04, width: 0.92, height: 0.92, rx: 0.12,
                                  class: "cell " + cls + (both ? " hood-too" : "") + (inside(i) ? "" : " outside"),
                                  "fill-opacity": shade, "data-addr": name},
          svg("title", {}, name + ": " + what));
        const href = this.fine ? (cell.n ? targetHref(name) : null) : netHref(name);
        root.append(href ? svg("a", {href}, rect) : rect);
      });
      const legend = el("div", {class: "legend small"});
      const keys = this.fine ? ["own", "hood", "unchecked", "stale", "clean", "none"] : ["own", "hood", "unchecked", "stale", "ok"];
      for (const k of keys) {
        if (!counts[k]) continue;
        legend.append(el("span", {}, el("span", {class: "sw " + k}), " " +
          (k === "ok" ? "no problem known" : CELL_TEXT[k]) + ": " + counts[k]));
      }
      if (counts.both) legend.append(el("span", {}, el("span", {class: "sw own hood-too"}), " its network listed too: " + counts.both));
      if (!this.fine) legend.append(el("span", {}, "Paler: fewer of its 256 addresses have a problem."));
      const oct = (n) => ip4str(n).split(".").slice(0, this.fine ? 3 : 2).join(".");
      const note = el("p", {class: "small"},
        this.fine ? "Each cell is one address, " + oct(this.base) + ".(row + column), coloured by its worst " +
          "state on any block list. Click one for its results and history."
          : "Each cell is one /24, " + oct(this.base) + ".(row + column).0/24, coloured by the worst state " +
          "of its addresses. Only addresses with a problem are read, so a /24 you do not monitor looks like one " +
          "without problems. Click one to see its addresses.",
        truncated ? " Only the first " + truncated.toLocaleString("en") + " addresses with a problem are drawn." : "");
      setKids(this.body, el("div", {class: "heatwrap"}, root), el("div", {class: "mapside"}, legend, note,
        el("p", {class: "small"}, el("a", {href: "#/targets?prefix=" + encodeURIComponent(this.cidr)}, "List the targets of " + this.cidr))));
    },
  };

  // ---- routes ----

  const VIEWS = {overview, targets: browser, target: targetView, net: mapView, problem: problemView};

  function parseRoute() {
    const h = location.hash.replace(/^#/, "");
    const dec = (s) => { try { return decodeURIComponent(s); } catch (_) { return s; } };
    let m;
    if ((m = /^\/targets(?:\?(.*))?$/.exec(h))) return {view: "targets", params: new URLSearchParams(m[1] || "")};
    if ((m = /^\/target\/(.+)$/.exec(h))) return {view: "target", name: dec(m[1])};
    if ((m = /^\/net\/(.+)$/.exec(h))) return {view: "net", cidr: dec(m[1])};
    if ((m = /^\/problem\/(\d+)$/.exec(h))) return {view: "problem", id: m[1]};
    return {view: "overview"};
  }

  let current = null, gen = 0, busy = false;

  function navigate() {
    current = parseRoute();
    gen++;
    for (const v of Object.keys(VIEWS)) $("view-" + v).hidden = v !== current.view;
    $("tab-problems").classList.toggle("on", current.view === "overview" || current.view === "problem" || current.view === "net");
    $("tab-targets").classList.toggle("on", current.view === "targets" || current.view === "target");
    VIEWS[current.view].enter(current);
    if (current.view !== "overview") window.scrollTo(0, 0);
    busy = false;
    refresh();
  }

  function refreshNow() {
    gen++;
    busy = false;
    refresh();
  }

  // The summary and what the current view shows: never more (the map only after a new cycle).
  async function refresh() {
    if (busy) return;
    busy = true;
    const my = gen, alive = () => my === gen;
    try {
      const sum = await getJSON("/api/v1/summary");
      if (!alive()) return;
      lastSummary = sum;
      $("auth").hidden = true;
      drawSummary(sum);
      drawHealth(sum);
      await VIEWS[current.view].refresh(sum, alive);
      if (!alive()) return;
      notice(null);
      visitSeen();
    } catch (e) {
      if (!alive()) return;
      if (e.unauthorized) {
        $("auth").hidden = false;
        notice("Access token needed.");
      } else {
        notice("Could not refresh: " + e.message + " (showing the last known state)");
      }
    } finally {
      if (alive()) busy = false;
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("auth").addEventListener("submit", (ev) => {
      ev.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, $("token").value);
      $("token").value = "";
      refreshNow();
    });
    // the filter form only rewrites the hash: the route is the one place a filter lives
    $("filter").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const p = new URLSearchParams();
      const set = (k, v) => { if (v.trim()) p.set(k, v.trim()); };
      set("q", $("f-q").value);
      set("status", $("f-status").value);
      set("zone", $("f-zone").value);
      set("prefix", $("f-prefix").value);
      if (!p.has("status")) p.set("status", "");
      location.hash = "#/targets?" + p.toString();
    });
    browser.pg = pager($("prev"), $("next"), $("pageinfo"), () => refreshNow());
    $("ignored").addEventListener("toggle", () => { if (current.view === "overview") refreshNow(); });
    window.addEventListener("hashchange", navigate);
    navigate();
    setInterval(refresh, REFRESH_MS);
  });
})();
