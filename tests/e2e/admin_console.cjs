// tests/e2e/admin_console.cjs — the admin console in a real browser (issue 9).
//
// Starts a skald node (admin actions on) on a free port, opens /admin in
// Debian's chromium (headless, driven by playwright-core; never a downloaded
// browser), and checks what an operator sees: the nodes table with this node
// ready, the ring with this node ACTIVE owning every token, a stream actor
// appearing after a push, and the flush counter rising
// after clicking "flush". Saves a screenshot (admin-console.png) into the
// artifact folder. Then two nodes gossiping: the actor table's node selector
// on the first lists the second, and choosing it shows the second node's
// actors (asked over CAF, ?node=), not the first's
// (admin-console-node.png). Run through tests/e2e/run_admin_console.sh.
"use strict";

const { spawn } = require("child_process");
const fs = require("fs");
const net = require("net");
const os = require("os");
const path = require("path");

function arg(name) {
  const i = process.argv.indexOf("--" + name);
  if (i < 0 || i + 1 >= process.argv.length) throw new Error("missing --" + name);
  return process.argv[i + 1];
}

const skaldBin = arg("skald");
const cache = arg("cache");
const config = arg("config");
const artifacts = arg("artifacts");
const { chromium } = require(path.join(cache, "node_modules", "playwright-core"));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitReady(base, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(base + "/ready");
      if (r.status === 200) return;
    } catch (_) { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error("skald did not become ready");
    await new Promise((r) => setTimeout(r, 100));
  }
}

function startNode(args, logName) {
  const log = fs.openSync(path.join(artifacts, logName), "w");
  return spawn(skaldBin, args, { stdio: ["ignore", log, log] });
}

async function stopNode(p) {
  if (p.exitCode !== null || p.signalCode !== null) return;
  p.kill("SIGTERM");
  await new Promise((r) => p.once("exit", r));
}

// Two nodes in one cluster (memberlist on loopback, every role each): the
// page of node A lists node B in the actor table's node selector; choosing B
// lists B's WAL writer (its data dir in the name), and "this node" A's again.
async function nodeSelector(browser) {
  const ports = [];
  for (let i = 0; i < 6; i++) ports.push(await freePort());
  const [httpA, httpB, gossipA, gossipB, grpcA, grpcB] = ports;
  const join = `127.0.0.1:${gossipA},127.0.0.1:${gossipB}`;
  const dirs = [fs.mkdtempSync(path.join(os.tmpdir(), "skald-e2e-a-")),
    fs.mkdtempSync(path.join(os.tmpdir(), "skald-e2e-b-"))];
  const args = (id, http, gossip, grpc, dir) => [`-config.file=${config}`, "-target=all",
    `-server.http-listen-port=${http}`, `-server.grpc-listen-port=${grpc}`, `-common.path-prefix=${dir}`,
    "-memberlist.bind-addr=127.0.0.1", `-memberlist.bind-port=${gossip}`, `-memberlist.join=${join}`,
    "-memberlist.gossip-interval=200ms", `-ingester.lifecycler.id=${id}`,
    "-ingester.lifecycler.address=127.0.0.1", "-ingester.lifecycler.heartbeat-period=500ms"];
  const nodes = [startNode(args("e2e-a", httpA, gossipA, grpcA, dirs[0]), "skald-a.log"),
    startNode(args("e2e-b", httpB, gossipB, grpcB, dirs[1]), "skald-b.log")];
  try {
    const base = `http://127.0.0.1:${httpA}`;
    await Promise.all([waitReady(base, 20000), waitReady(`http://127.0.0.1:${httpB}`, 20000)]);
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(base + "/admin");
    // The selector offers "this node (e2e-a)" and the reachable peer e2e-b.
    await page.waitForFunction(() => {
      const o = [...document.querySelectorAll("#f-node option")];
      return o.some((x) => x.value === "" && /e2e-a/.test(x.textContent))
        && o.some((x) => x.value === "e2e-b" && !x.disabled);
    }, null, { timeout: 20000 });
    console.log("node selector: this node (e2e-a) and peer e2e-b");
    const walRows = () => page.evaluate(() => [...document.querySelectorAll("#actors tbody tr")]
      .filter((tr) => tr.dataset.kind === "wal_writer").map((tr) => tr.querySelector(".name").textContent));
    const waitWal = async (dir, other) => {
      await page.waitForFunction(([d, o]) => {
        const t = document.querySelector("#actors tbody").textContent;
        return t.includes(d) && !t.includes(o);
      }, [dir, other], { timeout: 10000 });
    };
    await page.fill("#f-name", "WAL writer");
    await waitWal(dirs[0], dirs[1]);
    await page.selectOption("#f-node", "e2e-b");
    await waitWal(dirs[1], dirs[0]);
    console.log("node e2e-b chosen: its WAL writer listed: " + (await walRows()).join(", "));
    const shot = path.join(artifacts, "admin-console-node.png");
    await page.screenshot({ path: shot, fullPage: true });
    console.log("screenshot: " + shot);
    await page.selectOption("#f-node", "");
    await waitWal(dirs[0], dirs[1]);
    console.log("this node chosen again: e2e-a's WAL writer listed");
    if (errors.length) throw new Error("page errors (cluster): " + errors.join("; "));
    await page.close();
  } finally {
    await Promise.all(nodes.map(stopNode));
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  }
}

async function main() {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "skald-e2e-"));
  const log = fs.openSync(path.join(artifacts, "skald.log"), "w");
  const skald = spawn(skaldBin, [`-config.file=${config}`, `-server.http-listen-port=${port}`,
    `-common.path-prefix=${dataDir}`, "-admin.enable-actions=true"], { stdio: ["ignore", log, log] });
  let browser;
  try {
    await waitReady(base, 15000);
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(base + "/admin");

    // The nodes table shows this node, ready.
    await page.waitForFunction(() => /ready/.test(document.querySelector("#nodes tbody").textContent)
      && !/not ready/.test(document.querySelector("#nodes tbody").textContent), null, { timeout: 10000 });
    console.log("nodes table: this node is ready");

    // The ring section shows this node's ring member: ACTIVE, owning 100% of
    // the tokens, with a heartbeat age (and no forget button for itself).
    await page.waitForFunction(() => {
      const t = document.querySelector("#ring tbody").textContent;
      return /ACTIVE/.test(t) && /100\.0%/.test(t) && /\d+\.\ds/.test(t);
    }, null, { timeout: 10000 });
    if (await page.$("#ring button.forget")) throw new Error("forget offered for this node itself");
    console.log("ring: this node ACTIVE with 100% of the tokens");

    // A push creates a stream actor; it appears in the console.
    const now = BigInt(Date.now()) * 1000000n;
    const values = [];
    for (let i = 0; i < 50; i++) values.push([String(now + BigInt(i)), `e2e line ${i}`]);
    const r = await fetch(base + "/loki/api/v1/push", { method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ streams: [{ stream: { app: "e2e", env: "test" }, values }] }) });
    if (r.status !== 204) throw new Error("push answered " + r.status + ": " + await r.text());
    await page.waitForFunction(() => document.querySelector("#streams tbody").textContent.includes('app="e2e"'),
      null, { timeout: 10000 });
    await page.selectOption("#f-kind", "stream").catch(() => {});
    await page.waitForFunction(() => document.querySelector("#actors tbody").textContent.includes('app="e2e"'),
      null, { timeout: 10000 });
    console.log("stream actor {app=\"e2e\"} appeared");

    // Clicking "flush" makes the flush counter rise.
    const before = Number(await page.textContent("#flush-count"));
    await page.fill("#a-tenant", "fake");
    await page.click("#btn-flush");
    await page.waitForFunction((b) => Number(document.querySelector("#flush-count").textContent) > b,
      before, { timeout: 10000 });
    const after = Number(await page.textContent("#flush-count"));
    console.log(`flush counter rose: ${before} -> ${after}`);
    await page.waitForFunction(() => /success/.test(document.querySelector("#msg").textContent),
      null, { timeout: 5000 });

    // Some traffic on a few more streams, so the screenshot shows live rates.
    await page.selectOption("#f-kind", "");
    const apps = ["api", "web", "billing", "auth", "search", "worker"];
    for (let round = 0; round < 6; round++) {
      const t = BigInt(Date.now()) * 1000000n;
      const streams = apps.map((app, k) => ({ stream: { app, env: "prod" },
        values: Array.from({ length: 40 * (k + 1) }, (_, i) => [String(t + BigInt(i)), `${app} request ${round}-${i} status=200`]) }));
      await fetch(base + "/loki/api/v1/push", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ streams }) });
      await page.waitForTimeout(300);
    }
    await page.waitForTimeout(1200); // one more refresh: rates and chart filled
    const shot = path.join(artifacts, "admin-console.png");
    await page.screenshot({ path: shot, fullPage: true });
    console.log("screenshot: " + shot);
    if (errors.length) throw new Error("page errors: " + errors.join("; "));
    await page.close();

    await nodeSelector(browser);
    console.log("e2e.admin_console: PASSED");
  } finally {
    if (browser) await browser.close();
    skald.kill("SIGTERM");
    await new Promise((r) => skald.once("exit", r));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error("e2e.admin_console: FAILED: " + (e && e.stack || e));
  process.exit(1);
});
