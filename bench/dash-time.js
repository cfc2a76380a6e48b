// dash-time.js -- how long the dashboard takes to show its first problem, in headless Chromium.
// Usage: node bench/dash-time.js URL SELECTOR RUNS [SCREENSHOT]
// Each run opens a fresh browser context (nothing cached) and times from the navigation's start
// to the first element matching SELECTOR being visible. Prints one JSON line:
// {"selector", "runs_ms": [...], "matched": TEXT of the first element (cut), "errors": [...]}.
"use strict";

const {chromium} = require("playwright-core");

const [url, selector, runsArg, shot] = process.argv.slice(2);
if (!url || !selector) {
  console.error("usage: dash-time.js URL SELECTOR RUNS [SCREENSHOT]");
  process.exit(2);
}
const runs = Number(runsArg || 3);

(async () => {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const out = {selector, runs_ms: [], matched: null, errors: []};
  try {
    for (let i = 0; i < runs; i++) {
      const ctx = await browser.newContext({viewport: {width: 1280, height: 900}});
      const page = await ctx.newPage();
      page.on("pageerror", (e) => out.errors.push("page error: " + e.message));
      const t0 = Date.now();
      try {
        await page.goto(url, {waitUntil: "commit"});
        const el = await page.waitForSelector(selector, {state: "visible", timeout: 30000});
        out.runs_ms.push(Date.now() - t0);
        if (!out.matched) out.matched = (await el.innerText()).replace(/\s+/g, " ").slice(0, 120);
        if (shot && i === runs - 1) await page.screenshot({path: shot});
      } catch (e) {
        out.errors.push("run " + (i + 1) + ": " + e.message.split("\n")[0]);
        out.runs_ms.push(null);
      }
      await ctx.close();
    }
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(out));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
