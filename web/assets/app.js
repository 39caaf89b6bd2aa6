/* minga page, the script's part. The server renders every page (results,
 * facets, the case page) as HTML that works without this script; here it
 * only makes moving between pages smoother: a link to another page of
 * the same language, the search form and Back load the next page's HTML
 * with fetch and swap the part that changes (#content), instead of
 * reloading the whole page. Nothing is drawn before the reader acts, so
 * the page does not move when the script starts.
 *
 * No inline script or style (the server's Content-Security-Policy
 * forbids both). The HTML comes from our own server, which escapes every
 * text it writes (web/page.c, page_esc). */
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const I18N = window.MINGA_I18N || {};
  let navSeq = 0;

  function lang() {
    const l = document.documentElement.lang;
    return I18N[l] ? l : "en";
  }

  /* A label in the page's language, English when it has none; {name}
   * placeholders filled from vars. */
  function t(key, vars) {
    let s = (I18N[lang()] && I18N[lang()][key]) || (I18N.en && I18N.en[key])
      || key;
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
      else node.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  /* -- errors from the API, in the reader's language ------------------- */

  /* A parameter's name as the reader knows it ("sdg" -> "ODS"). */
  function paramLabel(name) {
    const key = "param_" + name;
    const s = t(key);
    return s === key ? name : s;
  }

  /* The message of an API error {error, code, params}: the code's
   * string in the page's language with its params filled in; the
   * English text when the code is unknown or a placeholder stays
   * empty. */
  function errorText(body, fallback) {
    const english = (body && (body.error || body.message)) || fallback || "";
    if (!body || !body.code) return english;
    const key = "err_" + body.code;
    const tpl = t(key);
    if (tpl === key) return english;
    const vars = {};
    for (const [k, v] of Object.entries(body.params || {}))
      vars[k] = k === "param" || k === "field" ? paramLabel(String(v))
        : Array.isArray(v) ? v.join(", ") : String(v);
    const s = t(key, vars);
    return /\{[a-z_]+\}/.test(s) ? english : s;
  }

  /* One line of an error's details: "file:line: message", its field
   * said once (the message often begins with it already). */
  function formatDiag(d) {
    if (typeof d === "string") return d;
    const where = [d.file, d.line || null].filter(Boolean).join(":");
    let msg = d.code ? errorText(d) : (d.message || "");
    if (d.field && !d.code && !msg.startsWith(d.field + ":") &&
        !msg.startsWith(d.field + " "))
      msg = d.field + ": " + msg;
    return (where ? where + ": " : "") + msg;
  }

  /* The details of an error worth listing: not the error itself again,
   * each once. */
  function distinctDetails(body) {
    const top = body && (body.error || "");
    const seen = new Set([top]);
    const out = [];
    for (const d of (body && body.details) || []) {
      const line = formatDiag(d);
      const bare = typeof d === "object" && d ? d.message : d;
      if (seen.has(line) || (bare && bare === top)) continue;
      seen.add(line);
      out.push(line);
    }
    return out;
  }

  /* -- moving between pages ------------------------------------------- */

  function isPageUrl(url) {
    return url.origin === location.origin && url.pathname === "/";
  }

  /* Puts the new page's head entries that differ per page in place. */
  function swapHead(doc) {
    document.title = doc.title;
    const sel = "meta[name=description], meta[name=robots], " +
      "link[rel=canonical], link[rel=alternate]";
    for (const node of document.head.querySelectorAll(sel)) node.remove();
    const icon = document.head.querySelector("link[rel=icon]");
    for (const node of doc.head.querySelectorAll(sel))
      document.head.insertBefore(document.importNode(node, true), icon);
  }

  function swap(doc) {
    const wasOpen = $("filter-box") && $("filter-box").open;
    swapHead(doc);
    document.body.className = doc.body.className;
    for (const id of ["ui-lang", "home", "content"]) {
      const next = doc.getElementById(id);
      if ($(id) && next) $(id).replaceWith(document.importNode(next, true));
    }
    if (wasOpen && $("filter-box")) $("filter-box").open = true;
  }

  /* Loads url's page and shows it; a failure or an answer that is not
   * the page (a 503 from a full queue) is left to the browser. */
  async function go(url, opts) {
    const o = opts || {};
    const seq = ++navSeq;
    $("content").setAttribute("aria-busy", "true");
    let html = null;
    try {
      const resp = await fetch(url, { headers: { Accept: "text/html" } });
      if ((resp.headers.get("content-type") || "").startsWith("text/html"))
        html = await resp.text();
    } catch (e) {
      html = null;
    }
    if (seq !== navSeq) return;
    if (html === null) {
      location.assign(url);
      return;
    }
    const doc = new DOMParser().parseFromString(html, "text/html");
    if (!o.isPop) {
      if (o.isReplace) history.replaceState(null, "", url);
      else history.pushState(null, "", url);
    }
    swap(doc);
    if (o.isPop) return;
    const title = $("case-title");
    if (title) {
      window.scrollTo(0, 0);
      title.focus();
    } else if (o.isFocusMain) {
      $("main").focus({ preventScroll: true });
    }
  }

  function reload() {
    return go(location.href, { isReplace: true });
  }

  document.addEventListener("click", (ev) => {
    if (ev.defaultPrevented || ev.button !== 0 || ev.ctrlKey ||
        ev.metaKey || ev.shiftKey || ev.altKey)
      return;
    const a = ev.target.closest("a[href]");
    if (!a || a.hasAttribute("download") || a.target) return;
    const url = new URL(a.href, location.href);
    /* another language reloads the whole page: every label changes */
    if (!isPageUrl(url) || url.searchParams.get("lang") !== lang()) return;
    ev.preventDefault();
    go(url.href, { isFocusMain: Boolean(a.closest("#pager")) });
  });

  document.addEventListener("submit", (ev) => {
    const form = ev.target;
    if (form.id !== "search-form" && form.id !== "suggested-form") return;
    ev.preventDefault();
    /* the same URL the form would make, with lang first as the server
     * writes it, and without an empty q */
    const url = new URL("/", location.href);
    const data = new FormData(form);
    url.searchParams.set("lang", data.get("lang") || lang());
    const q = String(data.get("q") || "").trim();
    if (q) url.searchParams.set("q", q);
    for (const [k, v] of data)
      if (k !== "q" && k !== "lang") url.searchParams.append(k, String(v));
    go(url.href);
  });

  window.addEventListener("popstate", () => go(location.href,
    { isPop: true }));

  window.MINGA_PAGE = { el: el, t: t, errorText: errorText,
    formatDiag: formatDiag, distinctDetails: distinctDetails,
    reload: reload };
})();
