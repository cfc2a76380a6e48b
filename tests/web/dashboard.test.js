// dashboard.test.js -- the dashboard in headless Chromium (Debian's) driven by playwright-core.
// Usage: node tests/web/dashboard.test.js URL ARTIFACT_DIR
// Run by tests/test_web.c against the daemon's fixture state: 192.0.2.10 listed (with hostile TXT
// and a network-scope listing), 192.0.2.20 clean, 192.0.2.30 unchecked (bl.test refuses the query:
// a failed check, shown beside the state), dead.test dead.
// Exits 0 when every check passes; prints each failure and exits 1 otherwise.
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const {chromium} = require("playwright-core");

const [url, artifacts] = process.argv.slice(2);
if (!url || !artifacts) {
  console.error("usage: dashboard.test.js URL ARTIFACT_DIR");
  process.exit(2);
}

const failures = [];
function check(ok, what) {
  console.log((ok ? "ok   " : "FAIL ") + what);
  if (!ok) failures.push(what);
}

const RED = "rgb(198, 40, 40)", GREEN = "rgb(46, 125, 50)", GREY = "rgb(97, 97, 97)";

(async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "blmon-chromium-"));
  fs.mkdirSync(artifacts, {recursive: true});
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: {width: 1100, height: 900},
  });
  const errors = [], requests = [];
  try {
    const page = ctx.pages()[0] || await ctx.newPage();
    page.on("console", (m) => { if (m.type() === "error") errors.push("console: " + m.text()); });
    page.on("pageerror", (e) => errors.push("page error: " + e.message));
    page.on("requestfailed", (r) => errors.push("request failed: " + r.url()));
    page.on("dialog", (d) => { errors.push("dialog opened: " + d.message()); d.dismiss(); });
    page.on("request", (r) => requests.push(new URL(r.url()).pathname));
    await page.clock.install();
    const resp = await page.goto(url, {waitUntil: "load"});
    check(resp.status() === 200, "page answers 200");
    check((resp.headers()["content-security-policy"] || "").includes("default-src 'self'"),
          "page has a Content-Security-Policy");
    await page.waitForSelector("article.target", {timeout: 10000});

    // counts and colours of the fixture state
    const counts = await page.evaluate(() => ["listed", "clean", "unchecked", "stale"].map(
      (k) => document.getElementById("count-" + k).textContent));
    check(counts.join() === "1,1,1,0",
          "summary counts listed/clean/unchecked/stale are 1/1/1/0 (got " + counts + ")");
    const rows = await page.$$eval("article.target", (els) => els.map((e) => ({
      target: e.dataset.target, status: e.dataset.status,
      border: getComputedStyle(e).borderLeftColor,
      dot: getComputedStyle(e.querySelector(".dot")).backgroundColor,
    })));
    check(rows.length === 3, "one row per target (got " + rows.length + ")");
    const want = {"192.0.2.10": ["listed", RED], "192.0.2.20": ["clean", GREEN],
                  "192.0.2.30": ["unchecked", GREY]};
    for (const [t, [st, colour]] of Object.entries(want)) {
      const r = rows.find((x) => x.target === t);
      check(r && r.status === st, t + " is " + st);
      check(r && r.border === colour && r.dot === colour,
            t + " is drawn " + colour + " (got " + (r && r.border) + ", " + (r && r.dot) + ")");
    }

    // the listing: list name, meaning, TXT as text, since, removal link
    const listed = page.locator('article[data-target="192.0.2.10"]');
    const own = listed.locator('ul.listings:not(.hoodlist) li[data-zone="bl.test"]');
    check(await own.count() === 1, "bl.test listing shown for 192.0.2.10");
    const ownText = await own.innerText();
    check(ownText.includes("Test BL") && ownText.includes("Spam source (127.0.0.2)"),
          "listing shows list name and meaning");
    check(ownText.includes("<script>window.__pwned=1</script>") &&
          ownText.includes('"><img src=x onerror=window.__pwned=2>'),
          "hostile TXT is shown as literal text");
    check(/Listed since .+ ago/.test(ownText), "listing shows since when");
    const link = own.locator("a");
    check(await link.count() === 1 &&
          await link.getAttribute("href") === "https://bl.test/remove?ip=192.0.2.10",
          "removal link is an https link");
    const hood = listed.locator('ul.hoodlist li[data-zone="hood.test"]');
    check(await hood.count() === 1, "network-scope listing is set apart as neighbourhood");
    check(await hood.locator("a").count() === 0, "a javascript: removal URL is not made a link");
    check(await page.locator('a[href^="javascript:"]').count() === 0, "no javascript: link anywhere");

    // a failed check is said beside the state, with since when and why
    const failing = page.locator('article[data-target="192.0.2.30"] li[data-zone="bl.test"]');
    const failingText = await failing.innerText().catch(() => "");
    check(await failing.count() === 1 && failingText.includes("checks failing since") &&
          failingText.includes("Query refused") && failingText.includes("last confirmed never"),
          "the refused check says since when and why (got " + JSON.stringify(failingText) + ")");

    // hostile text never became markup or ran
    check(await page.locator("#targets img, #events img, #targets script").count() === 0,
          "no element was created from TXT");
    check(await page.evaluate(() => window.__pwned === undefined), "no script from TXT ran");

    // health banner and events timeline
    const banner = page.locator('.banner[data-zone="dead.test"]');
    check(await banner.count() === 1, "dead list shown in a banner");
    check((await banner.innerText()).includes("What to do"), "banner says what to do");
    check(await page.locator("#events li.event:not(.incident)").count() === 5,
          "timeline shows the 5 DNSBL events (a refused check is none)");
    const incEv = page.locator('#events li.event.incident[data-provider="microsoft"]');
    const incEvText = await incEv.first().textContent().catch(() => "");
    check(await incEv.count() === 1 && incEvText.includes("rejects our mail (S3150)") &&
          incEvText.includes("incident opened"),
          "timeline shows the Microsoft incident opened (got " + JSON.stringify(incEvText) + ")");
    // a provider incident from the mail log, with what to do
    const inc = page.locator('#incidents article.incident.open[data-provider="microsoft"]');
    check(await inc.count() === 1, "the open Microsoft incident is shown");
    const incText = await inc.innerText().catch(() => "");
    check(incText.includes("S3150") && incText.includes("example.net") &&
          incText.includes("What to do"), "incident names the code, the domain and what to do");

    // auto-refresh without reloading: advance the page's clock past 10 s
    const before = requests.filter((p) => p === "/api/v1/status").length;
    await page.evaluate(() => { window.__sameDocument = true; });
    await page.clock.fastForward(10500);
    await page.waitForFunction((n) => performance.getEntriesByType("resource")
      .filter((e) => e.name.includes("/api/v1/status")).length > n, before, {timeout: 5000})
      .catch(() => {});
    const after = requests.filter((p) => p === "/api/v1/status").length;
    check(after > before, "status is fetched again after 10 s (" + before + " -> " + after + ")");
    check(await page.evaluate(() => window.__sameDocument === true), "the page was not reloaded");

    await page.screenshot({path: path.join(artifacts, "dashboard.png"), fullPage: true});

    // phone width: nothing wider than the screen
    await page.setViewportSize({width: 375, height: 800});
    await page.waitForTimeout(100);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
    check(overflow <= 376, "usable at 375 px: no horizontal scrolling (width " + overflow + ")");
    await page.screenshot({path: path.join(artifacts, "dashboard-phone.png"), fullPage: true});

    check(errors.length === 0, "no console errors" + (errors.length ? ": " + errors.join(" | ") : ""));
  } finally {
    await ctx.close();
    fs.rmSync(profile, {recursive: true, force: true});
  }
  if (failures.length) {
    console.error(failures.length + " dashboard check(s) failed");
    process.exit(1);
  }
  console.log("dashboard: all checks passed");
})().catch((e) => {
  console.error("dashboard test crashed: " + (e && e.stack || e));
  process.exit(1);
});
