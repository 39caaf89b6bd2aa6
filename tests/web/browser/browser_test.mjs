// Browser test of the minga search page, in the system's Chromium through
// playwright-core: searches, filters by a goal chip, opens a case, follows
// a shared link, switches the language, downloads a briefing pack, uploads
// a case through the form, and saves screenshots at 1280x800 and 390x844 in
// WORK_DIR. Any console error (a CSP violation is one) fails the test.
//
// usage: node browser_test.mjs MINGA_BINARY SOURCE_DIR WORK_DIR
import { chromium } from "playwright-core";
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const [MINGA, SRC, WORK] = process.argv.slice(2);
const FIXTURES = path.join(SRC, "tests", "web", "fixtures");
const DATA = path.join(WORK, "data");
const failures = [];

function check(cond, what) {
  console.log((cond ? "ok   " : "FAIL ") + what);
  if (!cond) failures.push(what);
  return cond;
}

function minga(...args) {
  return execFileSync(MINGA, ["--data", DATA, ...args], { encoding: "utf8" });
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

async function waitHealthy(base, server) {
  for (let i = 0; i < 300; i++) {
    if (server.exitCode !== null) throw new Error("server exited");
    try {
      const r = await fetch(base + "/healthz");
      if (r.ok) return;
    } catch (e) { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("server did not start");
}

fs.rmSync(DATA, { recursive: true, force: true });
minga("init");
minga("import", ...fs.readdirSync(FIXTURES).filter((f) => f.endsWith(".json"))
  .sort().map((f) => path.join(FIXTURES, f)));
const TOKEN = minga("token", "add", "browser").trim().split(/\s+/).pop();
const PORT = await freePort();
const BASE = "http://127.0.0.1:" + PORT;
const serverLog = fs.openSync(path.join(WORK, "server.log"), "w");
const server = spawn(MINGA, ["--data", DATA, "serve", "--port", String(PORT)],
  { stdio: ["ignore", serverLog, serverLog] });
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "minga-chromium-"));
let context = null;

try {
  await waitHealthy(BASE, server);
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
      "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
    locale: "es-AR",
  });
  const page = context.pages()[0] || await context.newPage();
  const consoleErrors = [];
  // The wrong-token upload below logs its 401; nothing else may log errors.
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of 401/.test(m.text()))
      consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  const shot = (name) => page.screenshot({ path: path.join(WORK, name),
    fullPage: false });
  const countText = () => page.locator("#count").textContent();

  // -- landing page: everything, labels in the browser's language (es)
  await page.goto(BASE + "/");
  await page.waitForFunction(() => /\d/.test(
    document.getElementById("count").textContent));
  check(/3/.test(await countText()), "the landing page lists 3 experiences");
  check(await page.locator("html").getAttribute("lang") === "es",
    "labels follow navigator.language (es)");
  check(await page.locator("#goal-chips .goal-chip").count() === 17,
    "17 goal chips are shown");
  const chipBg = await page.locator("#goal-chips .goal-chip").nth(0)
    .evaluate((n) => getComputedStyle(n).backgroundColor);
  check(chipBg === "rgb(229, 36, 59)", "goal 1 chip has its official colour ("
    + chipBg + ")");

  // -- a text search
  await page.fill("#q", "huertas comunitarias");
  await page.press("#q", "Enter");
  await page.waitForURL(/q=huertas/);
  await page.waitForFunction(() => document.querySelectorAll(
    "#results .result").length > 0 && !document.getElementById("results")
    .hasAttribute("aria-busy"));
  const firstTitle = await page.locator("#results .result h3").first()
    .textContent();
  check(/Rosario/.test(firstTitle), "the search finds Rosario first ("
    + firstTitle + ")");
  check(await page.locator("#results .snippet mark").count() > 0,
    "the snippet highlights matched words with <mark>");
  await shot("search-1280.png");

  // -- a goal chip filter, from all cases
  await page.goto(BASE + "/");
  await page.waitForFunction(() => /\d/.test(
    document.getElementById("count").textContent));
  await page.locator("#goal-chips .goal-chip").nth(1).click();   // goal 2
  await page.waitForURL(/sdg=2(&|$)/);
  await page.waitForFunction(() => document.querySelector(
    "#goal-chips .goal-chip:nth-child(2)").getAttribute("aria-pressed")
    === "true");
  await page.waitForFunction(() => /^1\b/.test(
    document.getElementById("count").textContent));
  check(/^1\b/.test(await countText()), "goal chip 2 filters to 1 experience");
  await page.locator("#goal-chips .goal-chip").nth(10).click();  // goal 11
  await page.waitForURL(/sdg=2&sdg=11/);
  await page.waitForFunction(() => /^3\b/.test(
    document.getElementById("count").textContent));
  check(/^3\b/.test(await countText()),
    "two goal chips combine with OR (3 experiences)");
  await page.locator("#f-country input[value=AR]").check();
  await page.waitForURL(/country=AR/);
  await page.waitForFunction(() => /^1\b/.test(
    document.getElementById("count").textContent));
  check(true, "the country facet filters");
  await shot("results-1280.png");

  // -- open a case, go back
  await page.locator("#results .result h3 a").first().click();
  await page.waitForURL(/case=rosario-agricultura-urbana/);
  await page.waitForSelector("#case-title");
  check(/Rosario/.test(await page.locator("#case-title").textContent()),
    "clicking a result opens its case page");
  check(await page.locator("#case-view .facts a[href^='https://']").count() === 1,
    "the case page links its source");
  const caseText = await page.locator("#case-view").innerText();
  check(!/\bnull\b|undefined|NaN/.test(caseText),
    "the case page shows no null/undefined placeholders");
  check(await page.evaluate(() => document.activeElement.id) === "case-title",
    "focus moves to the case title");
  await shot("case-1280.png");
  await page.goBack();
  await page.waitForSelector("#results-view:not([hidden])");
  check(/sdg=2&sdg=11&country=AR$/.test(page.url()),
    "Back returns to the filtered results");

  // -- briefing pack download
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.locator("#dl-briefing").click(),
  ]);
  const packPath = path.join(WORK, "briefing-download.zip");
  await download.saveAs(packPath);
  const magic = fs.readFileSync(packPath).subarray(0, 4);
  check(magic.equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])),
    "the briefing pack download is a zip (" + download.suggestedFilename() + ")");
  check(/lang=es/.test(await page.locator("#dl-briefing").getAttribute("href")),
    "the briefing link asks for labels in the page's language");

  // -- a shared link, opened straight
  await page.goto(BASE + "/?q=transmilenio&case=bogota-transmilenio");
  await page.waitForSelector("#case-title");
  check(/TransMilenio/.test(await page.locator("#case-title").textContent()),
    "a shared case link opens the case page");

  // -- language switch, remembered
  await page.goto(BASE + "/?q=mobility");
  await page.selectOption("#ui-lang", "en");
  await page.waitForFunction(() => document.documentElement.lang === "en");
  await page.reload();
  await page.waitForFunction(() => /\d|No/.test(
    document.getElementById("count").textContent));
  check(await page.locator("button[type=submit].primary").first().textContent()
    === "Search", "the language choice is remembered after a reload");

  // -- upload through the form
  const upload = path.join(WORK, "lima-upload.json");
  fs.writeFileSync(upload, JSON.stringify({
    id: "lima-techos-verdes", title: "Techos verdes en Lima",
    summary: "Una ordenanza municipal promueve techos verdes en edificios.",
    language: "es", city: "Lima", country: "PE", year_start: 2019,
    sdg_goals: [11, 13], levels: ["local"],
  }));
  await page.locator("#upload-details summary").click();
  await page.fill("#upload-token", TOKEN);
  await page.setInputFiles("#upload-file", upload);
  await page.locator("#upload-form button[type=submit]").click();
  await page.waitForSelector("#upload-result .ok, #upload-result .error");
  const uploadText = await page.locator("#upload-result").textContent();
  check(await page.locator("#upload-result .ok").count() === 1 &&
    /1 new/.test(uploadText),
    "the upload form imports a case (" + uploadText.trim() + ")");
  await page.fill("#upload-token", "wrong");
  await page.locator("#upload-form button[type=submit]").click();
  await page.waitForSelector("#upload-result .error");
  check(true, "a wrong token shows an error in the form");

  // -- phone width
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(BASE + "/?sdg=11");
  await page.waitForFunction(() => document.querySelectorAll(
    "#results .result").length > 0);
  const overflow = await page.evaluate(() =>
    document.documentElement.scrollWidth > window.innerWidth + 1);
  check(!overflow, "nothing overflows sideways at 390 px");
  await shot("results-390.png");
  await page.locator("#results .result h3 a").first().click();
  await page.waitForSelector("#case-title");
  await shot("case-390.png");

  check(consoleErrors.length === 0, "no console errors or CSP violations"
    + (consoleErrors.length ? ": " + consoleErrors.join(" | ") : ""));
} catch (e) {
  check(false, "browser test raised: " + (e && e.stack || e));
} finally {
  if (context) await context.close();
  server.kill("SIGTERM");
  fs.rmSync(userDataDir, { recursive: true, force: true });
}

console.log("\nscreenshots in " + WORK);
if (failures.length) {
  console.log(failures.length + " failed");
  process.exit(1);
}
process.exit(0);
