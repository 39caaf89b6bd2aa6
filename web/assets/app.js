/* minga search page: plain DOM, no framework, no inline script or style
 * (the server's Content-Security-Policy forbids both). The page state
 * lives in the URL (/?q=...&sdg=2&case=ID, and &rev=N or &history=1 for
 * a case's older revision or its history) so a search can be shared,
 * bookmarked and opened from a link. Every string from the API reaches the
 * page as text nodes; the only markup taken from the API is <mark> inside
 * search snippets, rebuilt element by element. */
"use strict";

(function () {
  const I18N = window.MINGA_I18N;
  const FILTERS = ["sdg", "level", "country", "lang", "actor"];
  const LEVELS = ["local", "regional", "national", "multilateral"];
  const ACTORS = ["public_sector", "civil_society", "private_sector",
    "academia", "community", "international_organization"];
  const PER_PAGE = 10;

  let ui = pickLanguage();
  let goals = [];            /* [{number, color, name}] from /api/sdgs */
  let lastResults = null;
  let searchSeq = 0;

  const $ = (id) => document.getElementById(id);

  /* -- helpers ---------------------------------------------------------- */

  function pickLanguage() {
    const saved = localStorage.getItem("minga.lang");
    if (saved && I18N[saved]) return saved;
    for (const l of navigator.languages || [navigator.language || "en"]) {
      const base = String(l).slice(0, 2).toLowerCase();
      if (I18N[base]) return base;
    }
    return "en";
  }

  function t(key, vars) {
    let s = (I18N[ui] && I18N[ui][key]) || I18N.en[key] || key;
    for (const k in vars || {}) s = s.split("{" + k + "}").join(vars[k]);
    return s;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const k in attrs || {}) {
      if (attrs[k] === null || attrs[k] === undefined || attrs[k] === false)
        continue;
      if (k === "class") node.className = attrs[k];
      else if (k === "text") node.textContent = attrs[k];
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), attrs[k]);
      else node.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function displayName(type, code) {
    try {
      const dn = new Intl.DisplayNames([ui], { type: type });
      return dn.of(type === "region" ? code.toUpperCase() : code) || code;
    } catch (e) {
      return code;
    }
  }

  function label(kind, key) {
    if (kind === "level") return t("level_" + key);
    if (kind === "actor") return t("actor_" + key);
    if (kind === "country") return displayName("region", key);
    if (kind === "lang") return displayName("language", key);
    return key;
  }

  /* Facets may come as {key: count} or [{key, count}]. */
  function facetEntries(f) {
    if (!f) return [];
    if (Array.isArray(f)) {
      return f.map((e) => Array.isArray(e) ? [String(e[0]), Number(e[1])]
        : [String(e.key ?? e.value ?? e.name ?? e.code ?? e.goal),
          Number(e.count ?? e.n ?? 0)]);
    }
    return Object.entries(f).map(([k, v]) =>
      [k, Number(typeof v === "object" && v ? v.count : v)]);
  }

  /* Goal numbers of a result or case, whatever the field is called. */
  function goalsOf(item) {
    const g = item.sdg_goals || item.goals || item.sdgs || [];
    return g.map(Number).filter((n) => n >= 1 && n <= 17);
  }

  function goalInfo(n) {
    return goals.find((g) => g.number === n) || { number: n, color: "#666",
      name: "" };
  }

  /* Black or white text, whichever reads better on the goal colour. */
  function inkFor(hex) {
    const m = /^#?([0-9a-f]{6})$/i.exec(hex || "");
    if (!m) return "light";
    const v = parseInt(m[1], 16);
    const lin = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92
      : Math.pow((c + 0.055) / 1.055, 2.4); };
    const lum = 0.2126 * lin(v >> 16) + 0.7152 * lin((v >> 8) & 255) +
      0.0722 * lin(v & 255);
    return lum > 0.33 ? "dark" : "light";
  }

  function goalChip(n, opts) {
    const g = goalInfo(n);
    const o = opts || {};
    const node = el(o.button ? "button" : "span", {
      class: "goal-chip ink-" + inkFor(g.color) + (o.extraClass || ""),
      title: g.name ? t("goal", { n: n }) + ": " + g.name : null,
      type: o.button ? "button" : null
    });
    node.style.setProperty("--goal", g.color);
    node.append(el("span", { class: "goal-num", text: String(n) }));
    if (o.withName && g.name) node.append(el("span", { class: "goal-name",
      text: g.name }));
    if (o.count !== undefined) node.append(el("span", { class: "goal-count",
      text: String(o.count) }));
    return node;
  }

  const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'",
    "#39": "'", nbsp: "\u00a0" };
  function decodeEntities(s) {
    return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+|#39);/gi, (all, name) => {
      if (ENTITIES[name.toLowerCase()]) return ENTITIES[name.toLowerCase()];
      if (name[0] === "#") {
        const cp = name[1] === "x" || name[1] === "X"
          ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        try { return String.fromCodePoint(cp); } catch (e) { return all; }
      }
      return all;
    });
  }

  /* The snippet is HTML-safe text with <mark>...</mark>. Rebuild it as
   * text nodes and <mark> elements; anything else (a stray tag) makes it
   * plain text, so no markup from the API is ever parsed. */
  function snippetNode(snippet) {
    const p = el("p", { class: "snippet" });
    const parts = String(snippet || "").split(/(<mark>|<\/mark>)/);
    const isClean = parts.every((s) => s === "<mark>" || s === "</mark>" ||
      !/[<>]/.test(s));
    if (!isClean) {
      p.textContent = decodeEntities(String(snippet).replace(/<[^>]*>/g, ""));
      return p;
    }
    let mark = null;
    for (const s of parts) {
      if (s === "<mark>") { mark = el("mark"); p.append(mark); }
      else if (s === "</mark>") mark = null;
      else if (s) (mark || p).append(document.createTextNode(
        decodeEntities(s)));
    }
    return p;
  }

  function years(item) {
    const a = item.year_start, b = item.year_end;
    if (!a) return "";
    return b && b !== a ? a + "–" + b : (b ? String(a) : t("since", { y: a }));
  }

  /* -- state in the URL ------------------------------------------------- */

  function readState() {
    const p = new URLSearchParams(location.search);
    const st = { q: p.get("q") || "", page: Math.max(1,
      parseInt(p.get("page") || "1", 10) || 1), case: p.get("case") || "",
      rev: /^[1-9][0-9]{0,8}$/.test(p.get("rev") || "") ? p.get("rev") : "",
      history: p.get("history") === "1" ? "1" : "" };
    for (const f of FILTERS) {
      st[f] = [];
      for (const v of p.getAll(f))
        for (const item of v.split(",")) if (item && !st[f].includes(item))
          st[f].push(item);
    }
    return st;
  }

  function stateParams(st, opts) {
    const p = new URLSearchParams();
    if (st.q) p.set("q", st.q);
    for (const f of FILTERS) {
      const name = (opts && opts.forExport && f === "lang") ? "language" : f;
      for (const v of st[f]) p.append(name, v);
    }
    return p;
  }

  function pageUrl(st) {
    const p = stateParams(st);
    if (st.page > 1) p.set("page", st.page);
    if (st.case) p.set("case", st.case);
    /* a case's older revision, or its history */
    if (st.case && st.rev) p.set("rev", st.rev);
    else if (st.case && st.history) p.set("history", "1");
    const qs = p.toString();
    return "/" + (qs ? "?" + qs : "");
  }

  function navigate(st, opts) {
    const url = pageUrl(st);
    if (url !== location.pathname + location.search) {
      if (opts && opts.replace) history.replaceState(null, "", url);
      else history.pushState(null, "", url);
    }
    render();
  }

  /* -- fetching --------------------------------------------------------- */

  async function getJson(url) {
    const resp = await fetch(url, { headers: { Accept: "application/json" } });
    let body = null;
    try { body = await resp.json(); } catch (e) { body = null; }
    if (!resp.ok) {
      const err = new Error((body && body.error) || resp.statusText);
      err.status = resp.status;
      err.body = body;
      throw err;
    }
    return body;
  }

  async function loadGoals() {
    try {
      const d = await getJson("/api/sdgs");
      const list = Array.isArray(d) ? d : (d.goals || []);
      goals = list.map((g) => ({
        number: Number(g.number ?? g.goal ?? g.id),
        color: g.color || g.colour || "#666",
        names: g
      }));
    } catch (e) {
      goals = [];
    }
    nameGoals();
  }

  function nameGoals() {
    for (const g of goals) {
      const s = g.names;
      g.name = s["name_" + ui] || (s.name && s.name[ui]) ||
        (s.names && s.names[ui]) || s["title_" + ui] ||
        (typeof s.name === "string" ? s.name : "") || "";
    }
  }

  /* -- rendering: filters ----------------------------------------------- */

  function toggle(st, field, value) {
    const list = st[field];
    const i = list.indexOf(value);
    if (i >= 0) list.splice(i, 1); else list.push(value);
    st.page = 1;
    st.case = "";
    navigate(st);
  }

  function renderGoalChips(st, facets) {
    const box = $("goal-chips");
    box.replaceChildren();
    const counts = Object.fromEntries(facetEntries(facets && (facets.goals ||
      facets.sdg || facets.sdgs)));
    for (let n = 1; n <= 17; n++) {
      const isOn = st.sdg.includes(String(n));
      const count = counts[n] ?? counts[String(n)] ?? 0;
      const chip = goalChip(n, { button: true, count: count,
        extraClass: (isOn ? " is-on" : "") + (count || isOn ? "" : " is-empty") });
      chip.setAttribute("aria-pressed", isOn ? "true" : "false");
      chip.setAttribute("aria-label", t("goal", { n: n }) +
        (goalInfo(n).name ? ": " + goalInfo(n).name : "") + " (" + count + ")");
      chip.addEventListener("click", () => toggle(readState(), "sdg",
        String(n)));
      box.append(chip);
    }
  }

  function renderFacet(st, field, listId, entries, order) {
    const ul = $(listId);
    ul.replaceChildren();
    const map = new Map(entries);
    for (const v of st[field]) if (!map.has(v)) map.set(v, 0);
    let keys = [...map.keys()];
    if (order) keys = order.filter((k) => map.has(k));
    else keys.sort((a, b) => (map.get(b) - map.get(a)) || a.localeCompare(b));
    for (const key of keys) {
      const id = "f-" + field + "-" + key;
      const box = el("input", { type: "checkbox", id: id, value: key,
        checked: st[field].includes(key) });
      box.addEventListener("change", () => toggle(readState(), field, key));
      ul.append(el("li", null, box, el("label", { for: id },
        el("span", { class: "facet-name", text: label(field, key) }),
        el("span", { class: "facet-count", text: String(map.get(key)) }))));
    }
    ul.closest("fieldset").hidden = keys.length === 0;
  }

  function renderFilters(st, facets) {
    renderGoalChips(st, facets);
    const f = facets || {};
    renderFacet(st, "level", "f-level", facetEntries(f.levels), LEVELS);
    renderFacet(st, "country", "f-country", facetEntries(f.countries));
    renderFacet(st, "lang", "f-lang", facetEntries(f.languages));
    renderFacet(st, "actor", "f-actor", facetEntries(f.actors), ACTORS);
    const n = FILTERS.reduce((sum, k) => sum + st[k].length, 0);
    $("clear-filters").hidden = n === 0;
    $("filter-count").textContent = n ? "(" + n + ")" : "";
  }

  /* -- rendering: results ----------------------------------------------- */

  function renderResults(st, data) {
    const total = Number(data.total || 0);
    /* past 5000 matches the server estimates the total and the facet
     * counts */
    $("count").textContent = total === 0 ? t("count0")
      : (total === 1 ? t("count1") : (data.estimated ? "≈ " : "") +
         t("countN", { n: total.toLocaleString(ui) }));
    const sug = $("suggestion");
    sug.replaceChildren();
    sug.hidden = !data.suggestion;
    if (data.suggestion) {
      const next = Object.assign(readState(), { q: data.suggestion, page: 1 });
      const a = el("a", { href: pageUrl(next), text: data.suggestion });
      a.addEventListener("click", (ev) => { ev.preventDefault(); navigate(next); });
      sug.append(t("didYouMean") + " ", a, "?");
    }
    const ol = $("results");
    ol.replaceChildren();
    for (const r of data.results || []) {
      const open = Object.assign(readState(), { case: r.id, rev: "",
        history: "" });
      const link = el("a", { href: pageUrl(open), text: r.title || r.id });
      link.addEventListener("click", (ev) => {
        if (ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
        ev.preventDefault();
        navigate(open);
      });
      const where = [r.city, r.country ? label("country", r.country) : ""]
        .filter(Boolean).join(", ");
      ol.append(el("li", { class: "result" },
        el("h3", null, link),
        el("p", { class: "meta" }, where, years(r) ? " · " + years(r) : ""),
        r.snippet ? snippetNode(r.snippet) : null,
        el("div", { class: "chips" }, goalsOf(r).map((n) => goalChip(n)))));
    }
    renderPager(st, data);
    renderFilters(st, data.facets);
  }

  function renderPager(st, data) {
    const nav = $("pager");
    nav.replaceChildren();
    const perPage = Number(data.per_page || PER_PAGE);
    const pages = Math.ceil(Number(data.total || 0) / perPage);
    if (pages <= 1) return;
    const go = (p) => {
      const next = Object.assign(readState(), { page: p });
      const a = el("a", { href: pageUrl(next) });
      a.addEventListener("click", (ev) => {
        ev.preventDefault();
        navigate(next);
        $("main").focus();
      });
      return a;
    };
    const list = el("ul");
    if (st.page > 1) {
      const a = go(st.page - 1); a.textContent = "‹ " + t("previous");
      a.setAttribute("rel", "prev");
      list.append(el("li", null, a));
    }
    const from = Math.max(1, st.page - 3), to = Math.min(pages, st.page + 3);
    for (let p = from; p <= to; p++) {
      if (p === st.page) {
        list.append(el("li", null, el("span", { class: "current",
          "aria-current": "page", text: String(p) })));
      } else {
        const a = go(p); a.textContent = String(p);
        list.append(el("li", null, a));
      }
    }
    if (st.page < pages) {
      const a = go(st.page + 1); a.textContent = t("next") + " ›";
      a.setAttribute("rel", "next");
      list.append(el("li", null, a));
    }
    nav.append(list);
  }

  function updateDownloads(st) {
    const p = stateParams(st, { forExport: true });
    p.set("lang", ui);
    const qs = "?" + p.toString();
    $("dl-briefing").href = "/api/export/briefing" + qs;
    $("dl-json").href = "/api/export/json" + qs;
    $("dl-csv").href = "/api/export/csv" + qs;
  }

  async function runSearch(st) {
    const p = stateParams(st);
    p.set("page", st.page);
    p.set("per_page", PER_PAGE);
    const seq = ++searchSeq;
    $("error").hidden = true;
    $("results").setAttribute("aria-busy", "true");
    try {
      const data = await getJson("/api/search?" + p.toString());
      if (seq !== searchSeq) return;
      lastResults = data;
      renderResults(st, data);
    } catch (e) {
      if (seq !== searchSeq) return;
      $("results").replaceChildren();
      $("pager").replaceChildren();
      $("count").textContent = "";
      showError(e);
    } finally {
      $("results").removeAttribute("aria-busy");
    }
  }

  function showError(e) {
    const box = $("error");
    box.replaceChildren(t("error") + ": " + e.message);
    const details = (e.body && e.body.details) || [];
    if (details.length) {
      box.append(el("ul", null, details.slice(0, 20).map((d) =>
        el("li", { text: formatDiag(d) }))));
    }
    box.hidden = false;
  }

  function formatDiag(d) {
    if (typeof d === "string") return d;
    const where = [d.file, d.line || null].filter(Boolean).join(":");
    return (where ? where + ": " : "") + (d.field ? d.field + ": " : "") +
      (d.message || "");
  }

  window.MINGA_PAGE = { formatDiag: formatDiag, el: el, t: (k, v) => t(k, v),
    goalChip: goalChip, label: label, years: years, getJson: getJson,
    readState: readState, pageUrl: pageUrl, navigate: navigate,
    goalsOf: goalsOf };

  /* -- top level -------------------------------------------------------- */

  function applyLabels() {
    document.documentElement.lang = ui;
    for (const node of document.querySelectorAll("[data-i18n]"))
      node.textContent = t(node.dataset.i18n);
    for (const node of document.querySelectorAll("[data-i18n-label]"))
      node.setAttribute("aria-label", t(node.dataset.i18nLabel));
    $("q").placeholder = t("searchPlaceholder");
    $("ui-lang").value = ui;
    document.title = "minga · " + t("tagline");
  }

  function render() {
    const st = readState();
    $("q").value = st.q;
    updateDownloads(st);
    const isCase = Boolean(st.case);
    $("results-view").hidden = isCase;
    $("filters").hidden = isCase;
    document.body.classList.toggle("is-case", isCase);
    $("case-view").hidden = !isCase;
    if (isCase) window.MINGA_CASE.show(st);
    else {
      window.MINGA_CASE.clear();
      runSearch(st);
    }
  }

  function start() {
    applyLabels();
    /* Phones: filters start folded so the results are on the first screen. */
    if (window.matchMedia("(max-width: 760px)").matches)
      $("filter-box").open = false;
    $("search-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const st = readState();
      st.q = $("q").value.trim();
      st.page = 1;
      st.case = "";
      navigate(st);
    });
    $("clear-filters").addEventListener("click", () => {
      const st = readState();
      for (const f of FILTERS) st[f] = [];
      st.page = 1;
      navigate(st);
    });
    $("home").addEventListener("click", (ev) => {
      ev.preventDefault();
      navigate({ q: "", page: 1, case: "", sdg: [], level: [], country: [],
        lang: [], actor: [] });
    });
    $("ui-lang").addEventListener("change", () => {
      ui = $("ui-lang").value;
      localStorage.setItem("minga.lang", ui);
      applyLabels();
      nameGoals();
      render();
    });
    window.addEventListener("popstate", render);
    window.MINGA_UPLOAD.init();
    loadGoals().then(render);
  }

  window.MINGA_START = start;
})();
