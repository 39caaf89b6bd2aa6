// Browser test of the minga search page, in the system's Chromium through
// playwright-core: searches, filters by a goal chip, opens a case, follows
// a shared link, switches the language, downloads a briefing pack, uploads
// a case through the form, and saves screenshots at 1280x800 and 390x844 in
// WORK_DIR. Any console error (a CSP violation is one) fails the test.
// Then (issue 20): the page with JavaScript off (results, filters, the
// search form), and a link shared in Portuguese opened in a fresh browser
// whose language is English.
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
let browser = null;

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
  // The wrong-token upload below logs its 401 and the broken file's check
  // its 400; nothing else may log errors.
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of 40[01]/.test(m.text()))
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
    "#goal-chips li:nth-child(2) .goal-chip").getAttribute("aria-current")
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
  await page.locator("#f-country a[data-value=AR]").click();
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

  // -- language switch, kept in the URL
  await page.goto(BASE + "/?q=mobility");
  await page.locator("#ui-lang a[hreflang=en]").click();
  await page.waitForFunction(() => document.documentElement.lang === "en");
  await page.reload();
  await page.waitForFunction(() => /\d|No/.test(
    document.getElementById("count").textContent));
  check(await page.locator("button[type=submit].primary").first().textContent()
    === "Search", "the language choice is kept in the URL across a reload");
  check(/[?&]lang=en(&|$)/.test(page.url()), "the URL says lang=en (" +
    page.url() + ")");

  // -- the "suggested" option: a real checkbox, ticked with the keyboard
  await page.goto(BASE + "/?sdg=11&lang=en");
  await page.waitForSelector("#suggested");
  check(!(await page.locator("#suggested").isChecked()),
    "the suggested option starts unticked");
  await page.locator("#suggested").focus();
  await page.keyboard.press("Space");
  await page.locator("#suggested-form button[type=submit]").click();
  await page.waitForURL(/suggested=1/);
  await page.waitForFunction(() => document.getElementById("suggested")
    && document.getElementById("suggested").checked);
  check(/sdg=11/.test(page.url()) && /lang=en/.test(page.url()),
    "the option keeps the goal filter and language (" + page.url() + ")");
  check(/\(1\)/.test(await page.locator("#filter-count").textContent()),
    "the option is not counted as a filter");

  // -- upload through the form
  const upload = path.join(WORK, "lima-upload.json");
  fs.writeFileSync(upload, JSON.stringify({
    id: "lima-techos-verdes", title: "Techos verdes en Lima",
    summary: "Una ordenanza municipal promueve techos verdes en edificios " +
      "y paradas de transporte público con techo verde en los corredores " +
      "de buses.",
    language: "es", city: "Lima", country: "PE", year_start: 2019,
    sdg_goals: [11, 13], levels: ["local"],
  }));
  await page.locator("#upload-details summary").click();
  await page.fill("#upload-token", TOKEN);
  await page.setInputFiles("#upload-file", upload);
  const submit = page.locator("#upload-form button[type=submit]");
  // First a broken file: the check lists its errors, by file and line,
  // and nothing is imported.
  const broken = path.join(WORK, "lima-roto.json");
  fs.writeFileSync(broken, '{"id": "lima-roto", "title": "Roto",\n' +
    '"sdg_goals": [18], "country": "PE"}');
  await page.setInputFiles("#upload-file", broken);
  await submit.click();
  await page.waitForSelector("#upload-result .error");
  const brokenText = await page.locator("#upload-result").textContent();
  check(/nothing was imported/i.test(brokenText) &&
    /lima-roto\.json:2/.test(brokenText) && /sdg_goals/.test(brokenText),
    "a broken file's check lists its errors by file and line (" +
    brokenText.trim().slice(0, 300) + ")");
  // A good file: checked first (a dry run), imported on the second click.
  await page.setInputFiles("#upload-file", upload);
  await submit.click();
  await page.waitForFunction(() => /would be imported/.test(
    document.getElementById("upload-result").textContent));
  const checkText = await page.locator("#upload-result").textContent();
  check(/1 cases would be imported \(1 new/.test(checkText) &&
    await submit.textContent() === "Import now",
    "the form checks the file first and waits (" + checkText.trim() + ")");
  // (asked outside the page, so that its 404 is not a console error)
  const before = (await page.request.get(BASE +
    "/api/cases/lima-techos-verdes")).status();
  check(before === 404, "the check imported nothing (" + before + ")");
  // The check suggests SDG targets (issue 21): real checkboxes, unticked,
  // labelled, one fieldset a case; ticked from the keyboard, the target
  // is sent with "Import now" and the case has it (and its goal).
  const box = page.locator(
    "#upload-result fieldset input[type=checkbox][value='lima-techos-verdes:11.2']");
  check(await box.count() === 1 && !(await box.isChecked()),
    "the check suggests 11.2, unticked");
  const legend = await page.locator("#upload-result fieldset legend")
    .first().textContent();
  const boxLabel = await page.locator("#upload-result label[for='" +
    await box.getAttribute("id") + "']").textContent();
  check(/Techos verdes en Lima/.test(legend) && /^11\.2 — /.test(boxLabel) &&
    /transporte público/.test(boxLabel),
    "a fieldset per case, the box labelled with its reason (" + legend +
    " / " + boxLabel + ")");
  await page.setViewportSize({ width: 360, height: 740 });
  const suggestOverflow = await page.evaluate(() =>
    [...document.querySelectorAll("body *")].filter((e) =>
      e.getBoundingClientRect().right > window.innerWidth + 1)
      .map((e) => e.tagName + "#" + e.id + "." + e.className).slice(0, 5));
  check(!suggestOverflow.length, "the suggestions fit a 360 px phone (" +
    suggestOverflow.join(", ") + ")");
  await page.locator("#upload-result fieldset").first()
    .scrollIntoViewIfNeeded();
  await shot("upload-suggestions-360.png");
  await page.setViewportSize({ width: 1280, height: 800 });
  await box.focus();
  await page.keyboard.press("Space");
  check(await box.isChecked(), "the keyboard ticks a suggestion");
  await submit.click();
  await page.waitForFunction(() => /1 new/.test(
    document.getElementById("upload-result").textContent));
  const uploadText = await page.locator("#upload-result").textContent();
  check(await page.locator("#upload-result .ok").count() === 1 &&
    /Import done: 1 new/.test(uploadText) &&
    await submit.textContent() === "Upload",
    "the upload form imports a case (" + uploadText.trim() + ")");
  const imported = await (await page.request.get(BASE +
    "/api/cases/lima-techos-verdes")).json();
  check((imported.sdg_targets || []).includes("11.2") &&
    imported.sdg_goals.includes(11),
    "the accepted suggestion is on the case (" +
    JSON.stringify(imported.sdg_targets) + ")");
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

  browser = await chromium.launch({ executablePath: "/usr/bin/chromium",
    headless: true, args: ["--no-sandbox", "--disable-gpu",
      "--no-first-run"] });

  // -- JavaScript off: the server's HTML is the whole page
  const noJs = await browser.newContext({ javaScriptEnabled: false,
    locale: "es-AR", viewport: { width: 390, height: 844 } });
  const np = await noJs.newPage();
  await np.goto(BASE + "/?q=huertas+comunitarias&lang=es");
  check(await np.locator("#results .result").count() > 0 &&
    await np.locator("#results .snippet mark").count() > 0,
    "without JavaScript the search page holds its results and snippets");
  check(await np.locator("#goal-chips a.goal-chip").count() > 0 &&
    await np.locator("#f-country a").count() > 0,
    "without JavaScript the filters are there, as links");
  await np.goto(BASE + "/?lang=es");
  const allText = await np.locator("#count").textContent();
  await np.locator("#filter-box summary").click();
  await np.locator("#f-country a[data-value=AR]").click();
  await np.waitForURL(/country=AR/);
  check(/lang=es/.test(np.url()) && /^1\b/.test(await np.locator("#count")
    .textContent()), "without JavaScript a country link filters (" +
    allText + " -> " + await np.locator("#count").textContent() + ")");
  await np.fill("#q", "huertas");
  await np.press("#q", "Enter");
  await np.waitForURL(/q=huertas/);
  check(/country=AR/.test(np.url()) && /lang=es/.test(np.url()) &&
    await np.locator("#results .result").count() === 1,
    "without JavaScript the search form keeps the language and filters ("
    + np.url() + ")");
  await np.locator("#results .result h3 a").first().click();
  await np.waitForURL(/case=/);
  check(/Rosario/.test(await np.locator("#case-title").textContent()),
    "without JavaScript a result opens its case page");
  await noJs.close();

  // -- a link shared in Portuguese, opened where the browser says English
  const sharer = await browser.newContext({ locale: "es-AR" });
  const sp = await sharer.newPage();
  await sp.goto(BASE + "/");
  check(await sp.locator("html").getAttribute("lang") === "es",
    "with no lang in the URL the page follows Accept-Language (es)");
  await sp.locator("#ui-lang a[hreflang=pt]").click();
  await sp.waitForFunction(() => document.documentElement.lang === "pt");
  await sp.locator("#goal-chips li:nth-child(11) a").click();   // goal 11
  await sp.waitForURL(/sdg=11/);
  const shared = sp.url();
  check(/[?&]lang=pt(&|$)/.test(shared), "the URL to share says lang=pt ("
    + shared + ")");
  await sharer.close();
  const reader = await browser.newContext({ locale: "en-US" });
  const rp = await reader.newPage();
  await rp.goto(shared);
  const tagline = await rp.locator(".tagline").textContent();
  check(await rp.locator("html").getAttribute("lang") === "pt" &&
    /Experiências/.test(tagline) && /experiências/.test(
      await rp.locator("#count").textContent()),
    "the shared link opens in Portuguese in an English browser (" +
    tagline + ")");
  const links = await rp.locator("#content a[href^='/?']").evaluateAll(
    (as) => as.map((a) => a.getAttribute("href")));
  check(links.length > 0 && links.every((h) => /[?&]lang=pt(&|$)/.test(h)),
    "every link the page makes keeps lang=pt (" + links.length + ")");
  // -- API errors in the page's language, by code, each said once
  const said = await rp.evaluate(() => {
    const P = window.MINGA_PAGE;
    const body = { error: "sdg: 18 is not an SDG goal (1-17)",
      code: "bad_filter_value", params: { param: "sdg", value: "18" },
      details: [{ field: "sdg", message: "sdg: 18 is not an SDG goal " +
        "(1-17)" }] };
    return { coded: P.errorText(body),
      unknown: P.errorText({ error: "an English text", code: "new_code" }),
      missing: P.errorText({ error: "English", code: "bad_filter_value",
        params: {} }),
      details: P.distinctDetails(body) };
  });
  check(said.coded === "“18” não é um valor válido para o filtro “ODS”.",
    "an API error is said in Portuguese from its code (" + said.coded + ")");
  check(said.unknown === "an English text" && said.missing === "English",
    "an unknown code, or missing params, fall back to the English text");
  check(said.details.length === 0, "a detail that repeats the error is not "
    + "said twice (" + JSON.stringify(said.details) + ")");
  await rp.goto(BASE + "/");
  check(await rp.locator("html").getAttribute("lang") === "en",
    "the same browser gets English where the URL says nothing");
  await reader.close();
} catch (e) {
  check(false, "browser test raised: " + (e && e.stack || e));
} finally {
  if (context) await context.close();
  if (browser) await browser.close();
  server.kill("SIGTERM");
  fs.rmSync(userDataDir, { recursive: true, force: true });
}

console.log("\nscreenshots in " + WORK);
if (failures.length) {
  console.log(failures.length + " failed");
  process.exit(1);
}
process.exit(0);
