/* minga search page, second half: the case page (the current version
 * with who changed it last, an older revision, or the case's history)
 * and the upload form. Loaded after app.js (which exposes MINGA_PAGE);
 * starts the page last. Case text is shown as text: Markdown is reduced
 * to headings, lists and paragraphs built from text nodes, never parsed
 * as HTML. */
"use strict";

(function () {
  const P = window.MINGA_PAGE;
  const el = P.el, t = P.t;
  const $ = (id) => document.getElementById(id);
  let shownId = "";

  /* Markdown, minimally: "# heading", "- item" / "* item" / "1. item"
   * lists, blank-line paragraphs; inline markup is left as typed, and
   * [text](url) keeps just its text. */
  function bodyNodes(md) {
    const out = [];
    const clean = (s) => s.replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/(\*\*|__)(.+?)\1/g, "$2");
    let para = [], list = null;
    const flush = () => {
      if (para.length) out.push(el("p", { text: clean(para.join(" ")) }));
      para = [];
    };
    for (const raw of String(md).split(/\r?\n/)) {
      const line = raw.trim();
      let m;
      if (!line) { flush(); list = null; continue; }
      if ((m = /^(#{1,6})\s+(.*)$/.exec(line))) {
        flush(); list = null;
        out.push(el(m[1].length <= 2 ? "h3" : "h4", { text: clean(m[2]) }));
      } else if ((m = /^(?:[-*+]|\d+[.)])\s+(.*)$/.exec(line))) {
        flush();
        if (!list) { list = el("ul"); out.push(list); }
        list.append(el("li", { text: clean(m[1]) }));
      } else {
        list = null;
        para.push(line);
      }
    }
    flush();
    return out;
  }

  function field(name, ...value) {
    return [el("dt", { text: name }), el("dd", null, ...value)];
  }

  function formatSize(n) {
    if (!n && n !== 0) return "";
    if (n < 1024) return n + " B";
    if (n < 1048576) return (n / 1024).toFixed(0) + " KB";
    return (n / 1048576).toFixed(1) + " MB";
  }

  function safeUrl(u) {
    try {
      const url = new URL(u);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href
        : null;
    } catch (e) {
      return null;
    }
  }

  /* A link within the page: follows st without a reload. */
  function pageLink(st, text, cls) {
    const a = el("a", { class: cls || null, href: P.pageUrl(st),
      text: text });
    a.addEventListener("click", (ev) => {
      if (ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
      ev.preventDefault();
      P.navigate(st);
    });
    return a;
  }

  function backLink() {
    return pageLink(Object.assign(P.readState(), { case: "", rev: "",
      history: "" }), "‹ " + t("back"), "back");
  }

  /* Links to the case's current version, one of its revisions, or its
   * history. */
  function caseLink(id, text, extra) {
    return pageLink(Object.assign(P.readState(), { case: id, rev: "",
      history: "" }, extra || {}), text);
  }

  /* "token:montevideo" is the token montevideo; "cli" the operator. */
  function who(by) {
    const s = String(by || "");
    if (s.startsWith("token:")) return s.slice(6);
    return s === "cli" ? t("operator") : s;
  }

  /* "2024-05-01T12:30:00Z" as "2024-05-01 12:30 UTC". */
  function when(time) {
    const s = String(time || "");
    return /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(s)
      ? s.slice(0, 10) + " " + s.slice(11, 16) + " UTC" : s;
  }

  function actionLabel(action) {
    return t("action_" + action);
  }

  /* One line on a change: "Updated 2024-05-01 12:30 UTC by montevideo". */
  function changeText(ch) {
    return t("changedBy", { action: actionLabel(ch.action),
      time: when(ch.time), who: who(ch.by) }) +
      (ch.note ? " (" + ch.note + ")" : "");
  }

  /* Under the title: the last change and a link to the history, or, for
   * an older revision, which one it is and a way back. */
  function changeNotes(c) {
    const id = c.id;
    if (c.revision) {
      const r = c.revision;
      const isCurrent = c.current_rev === r.rev;
      return el("div", { class: "notice", role: "note" },
        el("p", { id: "case-revision", text: t("revisionOf", { n: r.rev }) +
          " " + changeText(r) + "." }),
        el("p", null,
          isCurrent || c.current_rev === null ? null
            : caseLink(id, t("seeCurrent")),
          isCurrent || c.current_rev === null ? null : " · ",
          caseLink(id, t("history"), { history: "1" })));
    }
    if (!c.last_change) return null;
    return el("p", { class: "change", id: "case-change" },
      changeText(c.last_change) + " · ",
      caseLink(id, t("history"), { history: "1" }));
  }

  function renderCase(c) {
    const view = $("case-view");
    const place = [c.city, c.region, c.country ? P.label("country", c.country)
      : ""].filter(Boolean).join(", ");
    const dl = el("dl", { class: "facts" });
    dl.append(...field(t("place"), place));
    dl.append(...field(t("years"), P.years(c)));
    dl.append(...field(t("language"), P.label("lang", c.language || "")));
    if ((c.levels || []).length)
      dl.append(...field(t("levels"), c.levels.map((l) =>
        P.label("level", l)).join(", ")));
    if ((c.actors || []).length)
      dl.append(...field(t("actors"), c.actors.map((a) =>
        P.label("actor", a)).join(", ")));
    if ((c.sdg_targets || []).length)
      dl.append(...field(t("targets"), c.sdg_targets.join(", ")));
    if ((c.tags || []).length)
      dl.append(...field(t("tags"), c.tags.join(", ")));
    const src = c.source_url && safeUrl(c.source_url);
    if (src)
      dl.append(...field(t("source"), el("a", { href: src, rel: "noopener",
        target: "_blank", text: src })));
    if (c.license) dl.append(...field(t("license"), c.license));
    if (c.updated_at)
      dl.append(...field(t("updated"), String(c.updated_at).slice(0, 10)));

    const attachments = (c.attachments || []).map((a) => {
      const path = typeof a === "string" ? a : a.path;
      const extra = typeof a === "string" ? "" :
        [a.media_type, formatSize(a.size)].filter(Boolean).join(", ");
      return el("li", null, el("span", { class: "path", text: path }),
        extra ? el("span", { class: "muted", text: " (" + extra + ")" }) : null);
    });

    view.replaceChildren(...[
      backLink(),
      el("h2", { id: "case-title", tabindex: "-1", text: c.title || c.id }),
      changeNotes(c),
      el("div", { class: "chips" }, P.goalsOf(c).map((n) =>
        P.goalChip(n, { withName: true }))),
      el("h3", { text: t("summary") }),
      el("p", { class: "summary", text: c.summary || "" }),
      dl,
      c.body ? el("section", { class: "body" }, el("h3", { text: t("body") }),
        bodyNodes(c.body)) : null,
      attachments.length ? el("section", null,
        el("h3", { text: t("attachments") }),
        el("ul", { class: "attachments" }, attachments)) : null
    ].filter(Boolean));
    document.title = (c.title || c.id) + " · minga";
    $("case-title").focus();
  }

  /* The revisions of a case, newest first, each readable by number. */
  function renderHistory(h) {
    const view = $("case-view");
    const items = (h.revisions || []).slice().reverse().map((r) => {
      const isCurrent = h.current === r.rev;
      const label = t("revision", { n: r.rev });
      return el("li", { class: "revision" + (isCurrent ? " is-current" : "") },
        r.action === "delete" ? el("span", { class: "rev", text: label })
          : caseLink(h.id, label, { rev: String(r.rev) }),
        " · " + changeText(r),
        isCurrent ? el("span", { class: "muted", text: " · " + t("current") })
          : null);
    });
    view.replaceChildren(...[
      backLink(),
      el("h2", { id: "case-title", tabindex: "-1",
        text: t("historyOf", { id: h.id }) }),
      h.deleted ? el("p", { class: "notice", text: t("deletedNote") }) : null,
      h.current ? el("p", null, caseLink(h.id, t("seeCurrent"))) : null,
      el("ol", { class: "history", id: "case-history", reversed: true },
        items)
    ].filter(Boolean));
    document.title = t("historyOf", { id: h.id }) + " · minga";
    $("case-title").focus();
  }

  /* A deleted case: when, by whom, and its history (the API's 404 says
   * so in body.deleted). */
  function renderDeleted(id, body) {
    $("case-view").replaceChildren(backLink(),
      el("p", { class: "notice", role: "alert", id: "case-deleted",
        text: t("wasDeleted", { time: when(body.deleted.time),
          who: who(body.deleted.by) }) }),
      el("p", null, caseLink(id, t("history"), { history: "1" })));
  }

  async function show(st) {
    const id = st.case;
    const key = id + "|" + st.rev + "|" + st.history;
    if (key === shownId) return;
    shownId = key;
    const view = $("case-view");
    view.replaceChildren(el("p", { class: "muted", text: t("loading") }));
    const base = "/api/cases/" + encodeURIComponent(id);
    try {
      if (st.history) {
        const h = await P.getJson(base + "/history");
        if (shownId === key) renderHistory(h);
      } else {
        const c = await P.getJson(base + (st.rev ? "?rev=" + st.rev : ""));
        if (shownId === key) renderCase(c);
      }
    } catch (e) {
      if (shownId !== key) return;
      if (e.status === 404 && e.body && e.body.deleted && !st.rev) {
        renderDeleted(id, e.body);
        return;
      }
      view.replaceChildren(backLink(), el("p", { class: "error", role: "alert",
        text: e.status === 404 || e.status === 400 ? t("notFound")
          : e.status === 410 ? t("revisionDeleted")
          : t("error") + ": " + e.message }));
    }
  }

  function clear() {
    shownId = "";
  }

  window.MINGA_CASE = { show: show, clear: clear };

  /* -- upload ------------------------------------------------------------ */

  /* The report in the page's language; the server's own English line
   * only when the counts are missing. */
  function summaryOf(rep) {
    const n = rep.cases ?? rep.n_cases, added = rep.new ?? rep.n_new,
      upd = rep.updated ?? rep.n_updated;
    if (n === undefined || added === undefined || upd === undefined)
      return rep.summary || "";
    if (rep.status === "pending")
      return t("uploadPending", { n: n, id: rep.import_id });
    return added + upd === 0 ? t("uploadNothing")
      : t("uploadOk", { n: n, new: added, upd: upd });
  }

  async function upload(ev) {
    ev.preventDefault();
    const out = $("upload-result");
    const file = $("upload-file").files[0];
    const token = $("upload-token").value.trim();
    if (!file || !token) return;
    const button = ev.target.querySelector("button[type=submit]");
    button.disabled = true;
    out.replaceChildren(el("p", { class: "muted", text: t("sending") }));
    try {
      const resp = await fetch("/api/imports?filename=" +
        encodeURIComponent(file.name), {
        method: "POST",
        headers: { Authorization: "Bearer " + token,
          "Content-Type": file.type || "application/octet-stream" },
        body: file
      });
      let body = null;
      try { body = await resp.json(); } catch (e) { body = null; }
      if (resp.ok) {
        out.replaceChildren(el("p", { class: "ok", text: summaryOf(body || {}) }));
        const st = P.readState();
        if (!st.case) P.navigate(st, { replace: true });
      } else {
        const details = (body && body.details) || [];
        out.replaceChildren(...[
          el("p", { class: "error", role: "alert",
            text: t("uploadFailed") + " " + ((body && body.error) ||
              resp.status + " " + resp.statusText) }),
          details.length ? el("ul", { class: "diags" }, details.slice(0, 20)
            .map((d) => el("li", { text: P.formatDiag(d) }))) : null
        ].filter(Boolean));
      }
    } catch (e) {
      out.replaceChildren(el("p", { class: "error", role: "alert",
        text: t("error") + ": " + e.message }));
    } finally {
      button.disabled = false;
    }
  }

  window.MINGA_UPLOAD = {
    init: () => $("upload-form").addEventListener("submit", upload)
  };

  window.MINGA_START();
})();
