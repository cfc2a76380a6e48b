// dashboard.test.js -- the dashboard in headless Chromium (Debian's) driven by playwright-core.
// Usage: node tests/web/dashboard.test.js URL ARTIFACT_DIR [web|twenty|paging]; run by tests/test_web.c.
//
// web (the default): the daemon's fixture state: 192.0.2.10 listed (hostile TXT, and a network-scope
// listing whose removal URL is javascript:), 192.0.2.20 clean, 192.0.2.30 unchecked (bl.test refuses
// the query: a failed check, shown beside the state), dead.test dead, a Microsoft incident open.
// twenty: issue 14's 20 addresses: zen.test SBL+XBL on 203.0.113.9, l2.test listing 203.0.113.0/28
// with a TXT naming 203.0.113.0/24, l3.test listing 198.51.100.1-2 of AS64500 (EXAMPLE-HOSTING),
// 192.0.2.1-2 clean.
// paging: a prepared database with 25 own problems (203.0.113.1-25, ranked in that order) and 3
// ignored ones: "show more" and the ignored fold.
// Exits 0 when every check passes; prints each failure and exits 1 otherwise.
"use strict";

const path = require("path");
const {check, run} = require("./browser");

const [url, artifacts, scenario = "web"] = process.argv.slice(2);
if (!url || !artifacts || !["web", "twenty", "paging"].includes(scenario)) {
  console.error("usage: dashboard.test.js URL ARTIFACT_DIR [web|twenty|paging]");
  process.exit(2);
}


const RED = "rgb(198, 40, 40)", GREEN = "rgb(46, 125, 50)", GREY = "rgb(97, 97, 97)";
const ORANGE = "rgb(251, 140, 0)";

// The hash route, as a user following a link would: no reload.
async function go(page, hash, selector) {
  await page.evaluate((h) => { location.hash = h; }, hash);
  if (selector) await page.waitForSelector(selector, {timeout: 10000});
}

async function noOverflow(page, what) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  check(w <= 376, what + " at 375 px: no horizontal scrolling (width " + w + ")");
}

// ---- the daemon's web fixture ----

async function webScenario(page, requests) {
  await page.clock.install();
  const resp = await page.goto(url, {waitUntil: "load"});
  check(resp.status() === 200, "page answers 200");
  check((resp.headers()["content-security-policy"] || "").includes("default-src 'self'"),
        "page has a Content-Security-Policy");
  await page.waitForSelector("#sec-own article.pcard", {timeout: 10000});

  // the summary line: targets by standing, problems and ignored
  const counts = await page.evaluate(() => ["own", "neighbourhood", "clean", "unchecked", "stale",
    "problems", "ignored"].map((k) => document.getElementById("count-" + k).textContent));
  check(counts.join() === "1,0,1,1,0,2,0",
        "summary own/neighbourhood/clean/unchecked/stale/problems/ignored are 1/0/1/1/0/2/0 (got " + counts + ")");

  // blmon alone: no cluster section (the document says no node of a cluster answers)
  check(requests.includes("/api/v1/cluster") && await page.locator("#cluster-s").isHidden(),
        "alone, the page asks /api/v1/cluster and shows no cluster");

  // the own listing as a problem: list name, meaning, TXT as text, since, what to do, removal link
  const own = page.locator('#sec-own article.pcard[data-zone="bl.test"][data-entity="192.0.2.10"]');
  check(await own.count() === 1, "the bl.test listing of 192.0.2.10 is a problem under your addresses");
  const ownText = await own.innerText().catch(() => "");
  check(ownText.includes("Test BL") && ownText.includes("Spam source (127.0.0.2)"),
        "the problem shows list name and meaning");
  check(ownText.includes("<script>window.__pwned=1</script>") &&
        ownText.includes('"><img src=x onerror=window.__pwned=2>'),
        "hostile TXT is shown as literal text");
  check(/Listed since .+ ago/.test(ownText), "the problem shows since when");
  check(ownText.includes("What to do:"), "the problem says what to do");
  const link = own.locator('a[target="_blank"]');
  check(await link.count() === 1 &&
        await link.getAttribute("href") === "https://bl.test/remove?ip=192.0.2.10",
        "removal link is an https link");

  // the network listing is set apart, and its javascript: removal URL stays text
  const hood = page.locator('#sec-network article.pcard[data-zone="hood.test"]');
  check(await hood.count() === 1, "the network-scope listing is set apart under your networks");
  const hoodHrefs = await hood.locator("a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  check(hoodHrefs.every((h) => h.startsWith("#/")) &&
        (await hood.innerText()).includes("javascript:window.__pwned=3"),
        "a javascript: removal URL is shown as text, not made a link (links: " + hoodHrefs + ")");
  check(await page.locator('a[href^="javascript:"]').count() === 0, "no javascript: link anywhere");

  // hostile text never became markup or ran
  check(await page.locator("main img, main script, main iframe").count() === 0, "no element was created from TXT");
  check(await page.evaluate(() => window.__pwned === undefined), "no script from TXT ran");

  // one banner for the dead list, with what to do
  const banner = page.locator('.banner[data-zone="dead.test"]');
  check(await banner.count() === 1, "dead list shown in a banner");
  check((await banner.innerText()).includes("What to do"), "banner says what to do");

  // recent changes: the real ones, not first answers that found a target clean
  const dnsbl = page.locator("#events li.event:not(.incident)");
  check(await dnsbl.count() === 2, "recent changes show 192.0.2.10's 2 listings (got " + await dnsbl.count() + ")");
  check(await page.locator("#events li.event.to-clean").count() === 0,
        "no first-seen clean row among the recent changes");
  const incEv = page.locator('#events li.event.incident[data-provider="microsoft"]');
  const incEvText = await incEv.first().textContent().catch(() => "");
  check(await incEv.count() === 1 && incEvText.includes("rejects our mail (S3150)") &&
        incEvText.includes("incident opened"),
        "recent changes show the Microsoft incident opened (got " + JSON.stringify(incEvText) + ")");
  const inc = page.locator('#incidents article.incident.open[data-provider="microsoft"]');
  check(await inc.count() === 1, "the open Microsoft incident is shown");
  const incText = await inc.innerText().catch(() => "");
  check(incText.includes("S3150") && incText.includes("example.net") &&
        incText.includes("What to do"), "incident names the code, the domain and what to do");

  // auto-refresh without reloading: advance the page's clock past 10 s
  const count = (p) => requests.filter((r) => r === p).length;
  const before = count("/api/v1/summary");
  await page.evaluate(() => { window.__sameDocument = true; });
  await page.clock.fastForward(10500);
  await page.waitForFunction((n) => performance.getEntriesByType("resource")
    .filter((e) => e.name.includes("/api/v1/summary")).length > n, before, {timeout: 5000})
    .catch(() => {});
  const after = count("/api/v1/summary");
  check(after > before, "the summary is fetched again after 10 s (" + before + " -> " + after + ")");
  check(await page.evaluate(() => window.__sameDocument === true), "the page was not reloaded");
  check(count("/api/v1/status") === 0, "the whole status document is never fetched");
  await page.screenshot({path: path.join(artifacts, "dashboard.png"), fullPage: true});

  // the target browser: one row per target, coloured by state
  await page.click("#tab-targets");
  await page.waitForFunction(() => document.querySelectorAll("#targets article.target").length === 3, null, {timeout: 10000})
    .catch(() => {});
  const rows = await page.$$eval("#targets article.target", (els) => els.map((e) => ({
    target: e.dataset.target, status: e.dataset.status,
    border: getComputedStyle(e).borderLeftColor,
    dot: getComputedStyle(e.querySelector(".dot")).backgroundColor,
  })));
  check(rows.length === 3, "the browser shows one row per target (got " + rows.length + ")");
  const want = {"192.0.2.10": ["listed", RED], "192.0.2.20": ["clean", GREEN],
                "192.0.2.30": ["unchecked", GREY]};
  for (const [t, [st, colour]] of Object.entries(want)) {
    const r = rows.find((x) => x.target === t);
    check(r && r.status === st, t + " is " + st);
    check(r && r.border === colour && r.dot === colour,
          t + " is drawn " + colour + " (got " + (r && r.border) + ", " + (r && r.dot) + ")");
  }
  check(await page.evaluate(() => window.__sameDocument === true), "views change without reloading");

  // a failed check is said beside the state, with since when and why (the target's own view)
  await page.click('article.target[data-target="192.0.2.30"] a.tname');
  await page.waitForSelector('#view-target li[data-zone="bl.test"]', {timeout: 10000}).catch(() => {});
  const failingText = await page.locator('#view-target li[data-zone="bl.test"]').innerText().catch(() => "");
  check(failingText.includes("checks failing since") && failingText.includes("Query refused") &&
        failingText.includes("last confirmed never"),
        "the refused check says since when and why (got " + JSON.stringify(failingText) + ")");
  check(await page.locator("#view-target svg.timeline rect.tl-span.unchecked").count() >= 1,
        "the timeline of an address never answered for is grey");

  await go(page, "#/target/192.0.2.10", '#view-target svg.timeline rect.tl-span.listed[data-zone="bl.test"]');
  const tText = await page.locator("#view-target").innerText();
  check(tText.includes("<script>window.__pwned=1</script>"), "the target view shows the hostile TXT as text");
  check(await page.locator("main img, main script").count() === 0 &&
        await page.evaluate(() => window.__pwned === undefined), "still no element or script from TXT");

  // phone width: nothing wider than the screen, on every view
  await page.setViewportSize({width: 375, height: 800});
  await page.waitForTimeout(100);
  await noOverflow(page, "the target view");
  await go(page, "#/targets", "#targets article.target");
  await noOverflow(page, "the target browser");
  await go(page, "#/", "#sec-own article.pcard");
  await page.waitForTimeout(100);
  await noOverflow(page, "the problems");
  await page.screenshot({path: path.join(artifacts, "dashboard-phone.png"), fullPage: true});
}

// ---- issue 14's twenty addresses ----

async function firstScreen(page, width) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(150);
  const r = await page.evaluate(() => {
    const cards = [...document.querySelectorAll("main article.pcard")];
    const sbl = cards.find((c) => c.dataset.zone === "zen.test" && c.dataset.entity === "203.0.113.9");
    const nets = cards.filter((c) => c.dataset.entity === "203.0.113.0/24");
    const box = (c) => c && c.querySelector(".headline").getBoundingClientRect();
    return {
      first: cards[0] && cards[0].dataset.entity + " " + cards[0].dataset.zone,
      sblBefore: !!(sbl && nets[0] && sbl.compareDocumentPosition(nets[0]) & Node.DOCUMENT_POSITION_FOLLOWING),
      nets: nets.length,
      netHead: nets[0] ? nets[0].querySelector(".headline").textContent : "",
      netIn: nets[0] ? nets[0].closest("section").id : "",
      sblBox: box(sbl), netBox: box(nets[0]),
      h: window.innerHeight,
    };
  });
  check(r.first === "203.0.113.9 zen.test", width + " px: the SBL+XBL problem is the first (got " + r.first + ")");
  check(r.sblBefore, width + " px: the SBL+XBL problem comes before the /24 in the page");
  check(r.nets === 1 && r.netIn === "sec-network",
        width + " px: the /24 problem is shown exactly once, under your networks (got " + r.nets + ")");
  check(r.netHead.includes("affects 16 of your addresses"),
        width + " px: the /24 problem says it affects 16 of your addresses (got " + JSON.stringify(r.netHead) + ")");
  const inView = (b) => b && b.top >= 0 && b.bottom <= r.h;
  check(inView(r.sblBox) && inView(r.netBox), width + " px: both are on the first screen (SBL+XBL at " +
        (r.sblBox && Math.round(r.sblBox.top)) + ", the /24 at " + (r.netBox && Math.round(r.netBox.top)) +
        ", screen " + r.h + " px high)");
}

async function twentyScenario(page, requests, full) {
  // a previous visit an hour ago: everything of this run is new since then
  await page.addInitScript(() => {
    if (!sessionStorage.getItem("blmon-test-seeded")) {
      localStorage.setItem("blmon-last-visit", String(Date.now() - 3600 * 1000));
      sessionStorage.setItem("blmon-test-seeded", "1");
    }
  });
  await page.setViewportSize({width: 1280, height: 800});
  const resp = await page.goto(url, {waitUntil: "load"});
  check(resp.status() === 200, "page answers 200");
  await page.waitForSelector("#sec-network article.pcard", {timeout: 10000});
  // the AS is named once its first address's data has come
  await page.waitForFunction(() => (document.querySelector("#sec-asn article.pcard") || {}).textContent
    .includes("EXAMPLE-HOSTING"), null, {timeout: 5000}).catch(() => {});

  const counts = await page.evaluate(() => ["own", "neighbourhood", "clean", "unchecked", "stale",
    "problems", "ignored"].map((k) => document.getElementById("count-" + k).textContent));
  check(counts.join() === "1,17,2,0,0,3,0",
        "summary own/neighbourhood/clean/unchecked/stale/problems/ignored are 1/17/2/0/0/3/0 (got " + counts + ")");
  await firstScreen(page, 1280);
  const sbl = await page.locator('article.pcard[data-entity="203.0.113.9"]').innerText();
  check(sbl.includes("SBL: spam source") && sbl.includes("XBL: exploited host"),
        "the SBL+XBL problem names both codes' meanings");
  check(sbl.includes("What to do:") && sbl.includes("SBL listing 203.0.113.9"), "it says what to do and its TXT");
  check(await page.locator('article.pcard[data-entity="203.0.113.9"] a[href="https://zen.test/q?ip=203.0.113.9"]').count() === 1,
        "it links the removal request for the address");
  const as = page.locator('#sec-asn article.pcard[data-entity="AS64500"]');
  check(await as.count() === 1, "the AS listing is under your provider");
  const asText = await as.innerText().catch(() => "");
  check(asText.includes("AS64500 EXAMPLE-HOSTING") && asText.includes("affects 2 of your addresses"),
        "the provider is named with its AS (got " + JSON.stringify(asText.split("\n").slice(0, 3)) + ")");
  check(await page.locator("#sec-own article.pcard .newtag, #sec-network article.pcard .newtag, " +
                           "#sec-asn article.pcard .newtag").count() === 3,
        "the three problems are marked new since the last visit");
  check((await page.locator("#visit").innerText()).includes("3 new problems"), "the page says what changed since then");

  // recent changes: the /28's first listings are one row, as a range
  const l2 = page.locator('#events li.event[data-zone="l2.test"]');
  const l2Text = await l2.first().innerText().catch(() => "");
  check(await l2.count() === 1 && l2Text.includes("203.0.113.0–203.0.113.15 (16)"),
        "the 16 network listings are one change row (got " + JSON.stringify(l2Text) + ")");
  check(await page.locator("#events li.event .newtag").count() >= 3, "changes since the last visit are marked new");
  check(await page.locator("#events li.event.to-clean").count() === 0, "no first-seen clean rows");
  await page.screenshot({path: path.join(artifacts, "dashboard-20-1280.png")});

  await page.setViewportSize({width: 375, height: 800});
  await firstScreen(page, 375);
  await noOverflow(page, "the problems");
  await page.screenshot({path: path.join(artifacts, "dashboard-20-375.png")});
  await page.setViewportSize({width: 1280, height: 800});

  // one problem's addresses, paged by the API
  await page.click('#sec-network article.pcard a[href^="#/problem/"]');
  await page.waitForFunction(() => document.querySelectorAll("#view-problem article.target").length === 16,
    null, {timeout: 10000}).catch(() => {});
  check(await page.locator("#view-problem article.target").count() === 16, "the /24 problem lists its 16 addresses");

  // the target view: results and the history as an SVG timeline
  await go(page, "#/target/203.0.113.9", "#view-target svg.timeline rect.tl-span");
  const spans = await page.$$eval("#view-target svg.timeline rect.tl-span", (els) => els.map((e) => ({
    zone: e.dataset.zone, state: e.dataset.state, fill: getComputedStyle(e).fill, ns: e.namespaceURI})));
  const zen = spans.find((s) => s.zone === "zen.test");
  check(zen && zen.state === "listed" && zen.fill === RED && zen.ns === "http://www.w3.org/2000/svg",
        "the timeline draws the zen.test listing as a red SVG span (got " + JSON.stringify(zen) + ")");
  check(spans.some((s) => s.zone === "l2.test" && s.state === "listed") &&
        spans.some((s) => s.zone === "l3.test" && s.state === "clean" && s.fill === "rgb(67, 160, 71)"),
        "the timeline has a row per list: L2 listed, L3 clean in green");
  const tv = await page.locator("#view-target").innerText();
  check(tv.includes("SBL: spam source") && tv.includes("203.0.113.0/24 on a map"), "the target view shows its results and its /24");
  await page.screenshot({path: path.join(artifacts, "dashboard-20-target.png"), fullPage: true});

  // the heat map of the /24: 16x16 addresses, the listed ones coloured
  await page.click('#view-target a[href^="#/net/"]');
  await page.waitForSelector("#view-net svg.heat rect.cell", {timeout: 10000}).catch(() => {});
  const cells = await page.$$eval("#view-net svg.heat rect.cell", (els) => els.map((e) => ({
    addr: e.dataset.addr, cls: e.getAttribute("class"), fill: getComputedStyle(e).fill, x: +e.getAttribute("x"),
    y: +e.getAttribute("y")})));
  check(cells.length === 256 && new Set(cells.map((c) => Math.floor(c.x) + "," + Math.floor(c.y))).size === 256,
        "the /24 map has 16x16 cells (got " + cells.length + ")");
  const coloured = cells.filter((c) => /\b(own|hood)\b/.test(c.cls));
  const first16 = Array.from({length: 16}, (_, i) => "203.0.113." + i);
  check(coloured.length === 16 && coloured.every((c) => first16.includes(c.addr) && c.y < 1),
        "exactly the 16 listed addresses are coloured, on the first row (got " + coloured.map((c) => c.addr) + ")");
  const nine = cells.find((c) => c.addr === "203.0.113.9"), eight = cells.find((c) => c.addr === "203.0.113.8");
  check(nine && nine.fill === RED && eight && eight.fill === ORANGE,
        "203.0.113.9 is red (listed itself), 203.0.113.8 orange (its network) (got " +
        (nine && nine.fill) + ", " + (eight && eight.fill) + ")");
  check(cells.filter((c) => /\bnone\b/.test(c.cls)).length === 240, "the 240 unmonitored addresses are left blank");
  await page.screenshot({path: path.join(artifacts, "dashboard-20-map.png"), fullPage: true});
  await page.setViewportSize({width: 375, height: 800});
  await page.waitForTimeout(100);
  await noOverflow(page, "the heat map");
  await page.setViewportSize({width: 1280, height: 800});

  // the /16 map: 256 cells of /24s, from the targets with a problem only
  await go(page, "#/net/203.0.0.0%2F16");
  await page.waitForFunction(() => document.querySelectorAll("#view-net svg.heat rect.cell").length === 256 &&
    document.querySelector('#view-net rect.cell[data-addr="203.0.113.0/24"]'), null, {timeout: 10000}).catch(() => {});
  const net16 = await page.$$eval("#view-net svg.heat rect.cell", (els) => els.map((e) => e.dataset.addr + " " + e.getAttribute("class")));
  check(net16.length === 256 && net16.includes("203.0.113.0/24 cell own hood-too") &&
        net16.filter((c) => / cell ok$/.test(c)).length === 255,
        "the /16 map colours 203.0.113.0/24 by its worst address (edged: its network is listed too), " +
        "the 255 others without a known problem");
  const reads = full.filter((r) => r.includes("prefix=203.0.0.0%2F16"));
  check(reads.length >= 1 && reads.every((r) => r.includes("status=problems")),
        "the /16 map reads only the targets with a problem (" + reads.join(" ") + ")");

  // the target browser: search, status and list filters, prefix, paging by `next`
  await go(page, "#/targets", "#targets article.target");
  await page.fill("#f-q", "198.51");
  await page.click("#filter button[type=submit]");
  await page.waitForFunction(() => document.querySelectorAll("#targets article.target").length === 2, null, {timeout: 5000}).catch(() => {});
  check((await page.$$eval("#targets article.target", (e) => e.map((x) => x.dataset.target))).join() === "198.51.100.1,198.51.100.2",
        "search finds the two AS64500 addresses");
  const browse = async (hash, want, what) => {
    await go(page, hash);
    await page.waitForFunction((n) => document.querySelectorAll("#targets article.target").length === n &&
      !document.getElementById("view-targets").hidden, want.length, {timeout: 5000}).catch(() => {});
    await page.waitForTimeout(150);
    const got = (await page.$$eval("#targets article.target", (e) => e.map((x) => x.dataset.target))).join();
    check(got === want.join(), what + " (got " + got + ")");
  };
  await browse("#/targets?status=own", ["203.0.113.9"], "the status filter shows the one own listing");
  await browse("#/targets?zone=l3.test", ["198.51.100.1", "198.51.100.2"], "the list filter shows L3's listings");
  await browse("#/targets?prefix=203.0.113.8%2F30", ["203.0.113.8", "203.0.113.9", "203.0.113.10", "203.0.113.11"],
               "the prefix filter shows the /30");
  await browse("#/targets?limit=6", ["192.0.2.1", "192.0.2.2", "198.51.100.1", "198.51.100.2", "203.0.113.0",
                                     "203.0.113.1"], "the first page of 6");
  const seen = [];
  for (let pg = 0; pg < 5; pg++) {
    seen.push(...await page.$$eval("#targets article.target", (e) => e.map((x) => x.dataset.target)));
    if (await page.locator("#next").isDisabled()) break;
    const firstBefore = await page.$eval("#targets article.target", (e) => e.dataset.target);
    await page.click("#next");
    await page.waitForFunction((f) => {
      const r = document.querySelector("#targets article.target");
      return r && r.dataset.target !== f;
    }, firstBefore, {timeout: 5000}).catch(() => {});
    await page.waitForTimeout(100);
  }
  check(seen.length === 20 && new Set(seen).size === 20, "Next pages through all 20 targets once (got " + seen.length + ")");
  await page.click("#prev");
  await page.waitForTimeout(300);
  check((await page.$$eval("#targets article.target", (e) => e.map((x) => x.dataset.target)))[0] === "203.0.113.8",
        "Previous goes back a page");

  check(!requests.some((r) => r === "/api/v1/status"), "the whole status document is never fetched");
}

// ---- many problems: "show more" and the ignored fold ----

async function pagingScenario(page, requests, full) {
  await page.clock.install();
  await page.setViewportSize({width: 1280, height: 800});
  await page.goto(url, {waitUntil: "load"});
  await page.waitForSelector("#sec-own article.pcard", {timeout: 10000});
  const own = () => page.$$eval("#sec-own article.pcard", (els) => els.map((e) => e.dataset.entity));
  const first = await own();
  check(first.length === 10 && first[0] === "203.0.113.1" && first[9] === "203.0.113.10",
        "your addresses show the first 10 problems, worst first (got " + first.length + ")");
  check((await page.locator("#sec-own h2 .count").innerText()) === "25", "the section counts all 25");
  const folded = await page.$$eval("#sec-own article.pcard", (els) => els.map((e) =>
    e.querySelector("details.advice-more") ? (e.querySelector("details.advice-more").open ? "open" : "folded") : "full"));
  check(folded[0] === "full" && folded.slice(1).every((f) => f === "folded"),
        "the list's advice is said in full once, folded on the cards after it (got " + folded.slice(0, 3) + ")");
  const more = page.locator("#sec-own button.more");
  check(await more.count() === 1, "a \"show more\" button follows them");
  await more.click();
  await page.waitForFunction(() => document.querySelectorAll("#sec-own article.pcard").length === 25, null, {timeout: 5000})
    .catch(() => {});
  const all = await own();
  check(all.length === 25 && new Set(all).size === 25 && all[24] === "203.0.113.25",
        "\"show more\" follows `next`: all 25 in order, each once (got " + all.length + ")");
  check(full.some((r) => r.startsWith("/api/v1/problems?") && r.includes("cursor=10")),
        "the next page was asked by its cursor");
  check(await page.locator("#sec-own button.more").count() === 0, "no button after the last page");

  // many own listings: one tap to the provider's section
  check(await page.locator("#jump").isVisible(), "with 25 own problems, a row jumps to the other sections");
  await page.click('#jump a[href="#sec-asn"]');
  await page.waitForTimeout(300);
  const asnTop = await page.evaluate(() => [document.getElementById("sec-asn").getBoundingClientRect().top, innerHeight]);
  check(asnTop[0] >= -1 && asnTop[0] < asnTop[1] - 60,
        "the jump brings your provider's section on screen (top at " + Math.round(asnTop[0]) + ")");
  check((await own()).length === 25, "jumping keeps the 25 shown");

  // a refresh keeps what is shown: one request for as many as are shown
  await page.clock.fastForward(10500);
  await page.waitForFunction(() => performance.getEntriesByType("resource")
    .some((e) => e.name.includes("scope=ip&limit=25")), null, {timeout: 5000}).catch(() => {});
  check(full.includes("/api/v1/problems?scope=ip&limit=25"), "the refresh asks for the 25 shown in one page");
  check((await own()).length === 25, "still 25 after the refresh");

  // the ignored ones: one folded line with the count, expandable
  const fold = page.locator("#ignored");
  check(await fold.isVisible() && (await fold.innerText()).includes("3 ignored problems"),
        "ignored problems are one line with their count");
  check(await page.locator("#ignored article.pcard").count() === 0 && !full.some((r) => r.includes("ignored=yes")),
        "folded: not even asked for");
  await page.click("#ignored summary");
  await page.waitForFunction(() => document.querySelectorAll("#ignored article.pcard").length === 3, null, {timeout: 5000})
    .catch(() => {});
  const ign = page.locator("#ignored article.pcard");
  check(await ign.count() === 3 && (await ign.first().innerText()).includes("Ignored by the rule bl.test 127.0.0.2 203.0.113.0/24"),
        "opened, they show with the rule that ignores them");
  await page.screenshot({path: path.join(artifacts, "dashboard-paging.png"), fullPage: true});

  // the summary's "ignored" opens the fold; closed again, it stays closed through refreshes
  await page.click("#ignored summary");
  await page.click("#summary a.pill.ignored");
  await page.waitForFunction(() => document.getElementById("ignored").open, null, {timeout: 5000}).catch(() => {});
  check(await page.evaluate(() => document.getElementById("ignored").open), "the summary's ignored count opens the fold");
  await page.click("#ignored summary");
  await page.clock.fastForward(10500);
  await page.waitForTimeout(300);
  check(await page.evaluate(() => !document.getElementById("ignored").open), "closed again, it stays closed after a refresh");
  check(!requests.includes("/api/v1/status"), "the whole status document is never fetched");
}

run("dashboard (" + scenario + ")", {artifacts, width: 1100, failedRequests: true}, async (page) => {
  const requests = [], full = [];
  page.on("request", (r) => {
    const u = new URL(r.url());
    requests.push(u.pathname);
    full.push(u.pathname + u.search);
  });
  const scenarioRun = {web: webScenario, twenty: twentyScenario, paging: pagingScenario}[scenario];
  await scenarioRun(page, requests, full);
});
