// snds-dashboard.test.js -- Microsoft SNDS on the dashboard, in headless Chromium (Debian's) with playwright-core.
// Usage: node tests/web/snds-dashboard.test.js URL ARTIFACT_DIR
// Run by tests/test_snds_daemon.c against its fixture: SNDS blocks 192.0.2.60 (RED, 41 trap hits) and
// 198.51.100.8-15; 192.0.2.61 is YELLOW; 192.0.2.99 is listed on bl.test and absent from SNDS.
"use strict";

const path = require("path");
const {check, run} = require("./browser");

const [url, artifacts] = process.argv.slice(2);
if (!url || !artifacts) {
  console.error("usage: snds-dashboard.test.js URL ARTIFACT_DIR");
  process.exit(2);
}


run("snds dashboard", {artifacts}, async (page) => {
  await page.goto(url, {waitUntil: "load"});
  await page.waitForSelector("article.pcard", {timeout: 10000});

  // a blocked address: Microsoft's block is a problem of its own, with its words and form
  const card = page.locator("article.pcard", {hasText: "Microsoft SNDS blocklist (Outlook.com) lists 192.0.2.60"});
  const cardText = await card.first().innerText().catch(() => "");
  check(await card.count() === 1 && cardText.includes("Outlook.com blocks mail from this address"),
        "the SNDS block of 192.0.2.60 is a problem (got " + JSON.stringify(cardText) + ")");
  check(await card.first().locator('a[href="https://go.microsoft.com/fwlink/?LinkID=614866"]').count() === 1,
        "its removal link is the Outlook.com sender support form");
  check(await page.locator("article.pcard", {hasText: "Microsoft SNDS blocklist (Outlook.com) lists 198.51.100.12"})
    .count() === 1, "an address inside the blocked range is a problem too");

  // the target's page: the SNDS listing among its results, and the day's numbers
  await page.goto(url + "#/target/192.0.2.60", {waitUntil: "load"});
  await page.waitForSelector('#view-target li[data-zone="microsoft-snds"]', {timeout: 10000});
  const block = page.locator('#view-target ul.listings li[data-zone="microsoft-snds"]').first();
  const blockText = await block.innerText().catch(() => "");
  check(blockText.includes("Microsoft SNDS blocklist (Outlook.com)") &&
        blockText.includes("Blocked due to user complaints"),
        "the SNDS block is a listing of 192.0.2.60 (got " + JSON.stringify(blockText) + ")");
  const numbers = await page.locator("#view-target .snds").innerText().catch(() => "");
  check(numbers.includes("RED") && numbers.includes("14129 messages") &&
        numbers.includes("complaint rate 2.5%") && numbers.includes("41 trap hits"),
        "the day's numbers are on the target (got " + JSON.stringify(numbers) + ")");
  await page.goto(url + "#/target/192.0.2.61", {waitUntil: "load"});
  await page.waitForSelector("#view-target .snds", {timeout: 10000});
  const yellow = await page.locator("#view-target .snds").innerText().catch(() => "");
  check(yellow.includes("YELLOW"), "192.0.2.61 shows YELLOW (got " + JSON.stringify(yellow) + ")");
  // an address SNDS does not cover: why SNDS has nothing
  await page.goto(url + "#/target/192.0.2.99", {waitUntil: "load"});
  await page.waitForSelector("#view-target .snds", {timeout: 10000});
  const why = await page.locator("#view-target .snds").innerText().catch(() => "");
  check(why.includes("SNDS covers only the addresses registered to its key"),
        "the page says why SNDS has nothing for 192.0.2.99 (got " + JSON.stringify(why) + ")");
  check(await page.locator('#view-target ul.listings li[data-zone="bl.test"]').count() === 1,
        "the DNSBL listing of 192.0.2.99 is beside it");
  await page.goto(url, {waitUntil: "load"});
  await page.waitForSelector("article.pcard", {timeout: 10000});
  await page.screenshot({path: path.join(artifacts, "snds-dashboard.png"), fullPage: true});
  await page.setViewportSize({width: 375, height: 800});
  await page.waitForTimeout(100);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  check(overflow <= 376, "usable at 375 px: no horizontal scrolling (width " + overflow + ")");
  await page.screenshot({path: path.join(artifacts, "snds-dashboard-phone.png"), fullPage: true});
});
