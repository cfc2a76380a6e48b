// cluster-dashboard.test.js -- the cluster on the dashboard, in headless Chromium (Debian's) with playwright-core.
// Usage: node tests/web/cluster-dashboard.test.js URL ARTIFACT_DIR kill NODES VICTIM
//        node tests/web/cluster-dashboard.test.js URL ARTIFACT_DIR disagree ZONE DEAD_NODE OK_NODE
//        node tests/web/cluster-dashboard.test.js URL ARTIFACT_DIR data ZONE WITH AGES WITHOUT
// Run by tests/test_cluster.c against nodes over one PostgreSQL.
// kill: NODES (their names, comma-separated), the page served by the first. Once every node shows, it prints
// KILL-NOW on a line of its own and the test kills VICTIM with SIGKILL; the page, left open, must show it lost
// after a refresh and its shards held by the others.
// disagree: DEAD_NODE's resolver finds ZONE dead, OK_NODE's finds it ok: the page says who found what.
// data: ZONE is answered from data files; each node of WITH (comma-separated) has its own copy, AGES its ages in
// seconds when the test starts (comma-separated, in WITH's order; under 90 minutes: the page says "N min ago"),
// WITHOUT has none.
// Exits 0 when every check passes; prints each failure and exits 1 otherwise.
"use strict";

const path = require("path");
const {check, run} = require("./browser");

const [url, artifacts, scenario, ...args] = process.argv.slice(2);
const ARGS = {kill: 2, disagree: 3, data: 4};
if (!url || !artifacts || !ARGS[scenario] || args.length !== ARGS[scenario]) {
  console.error("usage: cluster-dashboard.test.js URL ARTIFACT_DIR kill NODES VICTIM | disagree ZONE DEAD OK | " +
                "data ZONE WITH AGES WITHOUT");
  process.exit(2);
}


// What the cluster section shows: per node its name, state, shards and texts.
function shown(page) {
  return page.evaluate(() => {
    const sec = document.getElementById("cluster-s");
    return {
      hidden: !sec || sec.hidden,
      line: sec ? sec.querySelector("#cluster-line").innerText : "",
      nodes: [...document.querySelectorAll("#cluster article.node")].map((a) => ({
        node: a.dataset.node, state: a.dataset.state, shards: Number(a.dataset.shards),
        name: a.querySelector(".nname").textContent, text: a.innerText,
        coordinator: !!a.querySelector(".tag.coord"),
        renewal: a.querySelector("time") ? a.querySelector("time").textContent : "",
      })),
    };
  });
}

const sum = (nodes) => nodes.reduce((n, x) => n + x.shards, 0);

// Polls the page (it refreshes itself every 10 s) until ok(what it shows), for at most ms.
async function until(page, ok, ms) {
  const deadline = Date.now() + ms;
  let s = await shown(page);
  while (!ok(s) && Date.now() < deadline) {
    await page.waitForTimeout(250);
    s = await shown(page);
  }
  return s;
}

// ---- kill: three nodes, one killed while the page stays open ----

async function killScenario(page) {
  const [nodeList, victim] = args, names = nodeList.split(",");
  // every node, live, the shards all held
  let s = await until(page, (x) => !x.hidden && x.nodes.length === names.length &&
    x.nodes.every((n) => n.state === "checking") && sum(x.nodes) === 32, 25000);
  check(!s.hidden, "the cluster section is shown");
  check(names.every((n) => s.nodes.some((x) => x.node === n && x.name === n)),
        "every node is named: " + names.join(", ") + " (shown: " + s.nodes.map((x) => x.name).join(", ") + ")");
  check(s.nodes.every((x) => x.state === "checking"), "every node is checking (" +
        s.nodes.map((x) => x.node + " " + x.state).join(", ") + ")");
  check(sum(s.nodes) === 32, "their shards sum to 32 (" + s.nodes.map((x) => x.node + " " + x.shards).join(", ") + ")");
  check(s.nodes.every((x) => x.shards > 0 && x.text.includes(x.shards + " shard")),
        "each node shows its shard count");
  check(s.nodes.filter((x) => x.coordinator).length === 1, "one node is the coordinator");
  check(s.nodes.every((x) => /just now|\d+ s ago/.test(x.renewal)), "each node's last renewal is seconds ago (" +
        s.nodes.map((x) => x.renewal).join(", ") + ")");
  check(s.nodes.some((x) => x.node === names[0] && x.text.includes("this node")), "the serving node is marked");
  const n = names.length;
  check(s.line.startsWith(n + " nodes, " + n + " live"), "the line counts the nodes (" + s.line + ")");
  await page.screenshot({path: path.join(artifacts, "dashboard-cluster.png"), fullPage: true});

  // the test kills the victim now; the page stays open and must see it on a refresh
  console.log("KILL-NOW");
  const others = (x) => x.nodes.filter((n) => n.node !== victim);
  s = await until(page, (x) => {
    const v = x.nodes.find((n) => n.node === victim);
    return v && v.state === "lost" && v.shards === 0 && sum(others(x)) === 32 &&
      others(x).every((n) => n.state === "checking") && others(x).some((n) => n.coordinator);
  }, 45000);
  const v = s.nodes.find((n) => n.node === victim) || {};
  check(v.state === "lost", victim + " is shown lost after the kill (" + v.state + ")");
  check(v.shards === 0 && (v.text || "").includes("Its shards went to the others"),
        victim + " holds no shard, and says where they went (" + v.shards + ")");
  check(sum(others(s)) === 32, "the others hold all 32 (" + others(s).map((x) => x.node + " " + x.shards).join(", ") + ")");
  check(others(s).every((x) => x.state === "checking"), "the others are still checking");
  check(s.line.startsWith(n + " nodes, " + (n - 1) + " live"), "the line counts " + (n - 1) + " live (" + s.line + ")");
  check(s.nodes.filter((x) => x.coordinator && x.node !== victim).length === 1,
        "a live node coordinates");
  await page.screenshot({path: path.join(artifacts, "dashboard-cluster-lost.png"), fullPage: true});
}

// ---- disagree: two nodes find a list in different health ----

async function disagreeScenario(page) {
  const [zone, dead, ok] = args;
  const sel = '#cluster-lists .disagree[data-zone="' + zone + '"]';
  await page.waitForSelector(sel, {timeout: 25000}).catch(() => {});
  const box = page.locator(sel);
  check(await box.count() === 1, "the page says the nodes disagree on " + zone);
  const text = await box.textContent().catch(() => "");
  check(text.includes(dead + " finds it dead") && text.includes(ok + " finds it ok"),
        "who found what: " + dead + " dead, " + ok + " ok (" + text + ")");
  check(await page.locator('#cluster article.node[data-state="checking"]').count() === 2,
        "both nodes are checking");
  await page.screenshot({path: path.join(artifacts, "dashboard-cluster-disagree.png"), fullPage: true});
}

// ---- data: each node's own copy of a list's data files, and its age ----

async function dataScenario(page) {
  const [zone, withList, agesList, without] = args, withs = withList.split(","), ages = agesList.split(",");
  const age = (node) => page.locator('#cluster article.node[data-node="' + node + '"] .ndata span[data-zone="' +
                                     zone + '"]');
  await page.waitForSelector('#cluster article.node[data-node="' + withs[0] + '"] .ndata', {timeout: 25000})
    .catch(() => {});
  for (let i = 0; i < withs.length; i++) {
    const text = await age(withs[i]).textContent().catch(() => "");
    const m = /^(.*) from (\d+) min ago$/.exec(text), want = Number(ages[i]) / 60;
    // a minute more or less: the page rounds, and time passes while it loads
    check(m && m[1] === zone && Math.abs(Number(m[2]) - want) <= 1.5,
          withs[i] + "'s copy of " + zone + " is about " + Math.round(want) + " min old (" + text + ")");
  }
  check(await age(without).count() === 0, without + " shows no copy of " + zone);
  await page.screenshot({path: path.join(artifacts, "dashboard-cluster-data.png"), fullPage: true});
}

run("cluster dashboard", {artifacts}, async (page) => {
  const resp = await page.goto(url, {waitUntil: "load"});
  check(resp.status() === 200, "page answers 200");
  await ({kill: killScenario, disagree: disagreeScenario, data: dataScenario})[scenario](page);

  // on a phone: no horizontal scrolling
  await page.setViewportSize({width: 375, height: 800});
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  check(w <= 376, "at 375 px: no horizontal scrolling (width " + w + ")");
});
