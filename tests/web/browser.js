// browser.js -- what the dashboard tests share: Debian's Chromium, headless, through playwright-core,
// a page whose errors are collected, and the tally of the checks.
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const {chromium} = require("playwright-core");

const failures = [];

// One check: printed "ok" or "FAIL" with what it checks; a failure is counted for the exit.
function check(ok, what) {
  console.log((ok ? "ok   " : "FAIL ") + what);
  if (!ok) failures.push(what);
}

// Opens a page (viewport `width` x 900) in a throwaway profile, runs body(page), then checks
// that no console error, page error, dialog or (with failedRequests) failed request came, and
// exits: 0 when every check passed, 1 otherwise. `name` says whose checks they were.
function run(name, {artifacts, width = 1280, failedRequests = false}, body) {
  (async () => {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "blmon-chromium-"));
    fs.mkdirSync(artifacts, {recursive: true});
    const ctx = await chromium.launchPersistentContext(profile, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      viewport: {width, height: 900},
    });
    const errors = [];
    try {
      const page = ctx.pages()[0] || await ctx.newPage();
      page.on("console", (m) => { if (m.type() === "error") errors.push("console: " + m.text()); });
      page.on("pageerror", (e) => errors.push("page error: " + e.message));
      page.on("dialog", (d) => { errors.push("dialog opened: " + d.message()); d.dismiss(); });
      if (failedRequests)
        page.on("requestfailed", (r) => errors.push("request failed: " + r.url()));
      await body(page);
      check(errors.length === 0, "no console errors" + (errors.length ? ": " + errors.join(" | ") : ""));
    } finally {
      await ctx.close();
      fs.rmSync(profile, {recursive: true, force: true});
    }
    if (failures.length) {
      console.error(failures.length + " " + name + " check(s) failed");
      process.exit(1);
    }
    console.log(name + ": all checks passed");
  })().catch((e) => {
    console.error(name + " test crashed: " + (e && e.stack || e));
    process.exit(1);
  });
}

module.exports = {check, run};
