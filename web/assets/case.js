/* minga page, second script: the upload form. Loaded after app.js (which
 * exposes MINGA_PAGE). The form needs the script: the token travels in
 * an Authorization header, never in a URL, so its button starts disabled
 * in the server's HTML and is enabled here. A file is checked (a dry
 * run) before it is imported. The report and its errors
 * are shown in the page's language (errors by their code, with the
 * server's English text when the code is unknown), each problem once. */
"use strict";

(function () {
  const P = window.MINGA_PAGE;
  const el = P.el, t = P.t;
  const $ = (id) => document.getElementById(id);

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

  /* The file is checked first (?dry_run=1): its errors, by file and
   * line, come before anything is imported, and a clean check says what
   * would be imported, with its warnings, and waits for "Import now".
   * Picking another file or token starts over. */
  let checked = null;

  function fileKey(file, token) {
    return [file.name, file.size, file.lastModified, token].join("\u0000");
  }

  function resetCheck() {
    checked = null;
    const button = $("upload-form").querySelector("button[type=submit]");
    button.textContent = t("send");
  }

  function post(file, token, dryRun) {
    return fetch("/api/imports?filename=" + encodeURIComponent(file.name) +
      (dryRun ? "&dry_run=1" : ""), {
      method: "POST",
      headers: { Authorization: "Bearer " + token,
        "Content-Type": file.type || "application/octet-stream" },
      body: file
    });
  }

  function failure(body, resp, lead) {
    const lines = P.distinctDetails(body);
    return [
      el("p", { class: "error", role: "alert",
        text: lead + " " + P.errorText(body,
          resp.status + " " + resp.statusText) }),
      lines.length ? el("ul", { class: "diags" }, lines.slice(0, 20)
        .map((line) => el("li", { text: line }))) : null
    ].filter(Boolean);
  }

  function warnings(body) {
    const lines = ((body && body.diagnostics) || [])
      .filter((d) => d && d.severity === "warning").map(P.formatDiag);
    return lines.length ? [el("p", { text: t("checkWarnings") }),
      el("ul", { class: "diags" }, lines.slice(0, 20)
        .map((line) => el("li", { text: line })))] : [];
  }

  async function upload(ev) {
    ev.preventDefault();
    const out = $("upload-result");
    const file = $("upload-file").files[0];
    const token = $("upload-token").value.trim();
    if (!file || !token) return;
    const button = ev.target.querySelector("button[type=submit]");
    const key = fileKey(file, token);
    const isCheck = checked !== key;
    button.disabled = true;
    out.replaceChildren(el("p", { class: "muted",
      text: t(isCheck ? "checking" : "sending") }));
    try {
      const resp = await post(file, token, isCheck);
      let body = null;
      try { body = await resp.json(); } catch (e) { body = null; }
      if (!resp.ok) {
        resetCheck();
        out.replaceChildren(...failure(body, resp,
          t(isCheck ? "checkFailed" : "uploadFailed")));
      } else if (isCheck && body && body.files === 0 && body.skipped) {
        resetCheck();
        out.replaceChildren(el("p", { class: "ok", text: t("uploadNothing") }));
      } else if (isCheck && (body || {}).status === "dry_run") {
        const rep = body || {};
        checked = key;
        button.textContent = t("confirmSend");
        out.replaceChildren(el("p", { class: "ok", text: t("checkOk",
          { n: rep.cases, new: rep.new, upd: rep.updated }) }),
        ...warnings(rep));
      } else {
        resetCheck();
        out.replaceChildren(el("p", { class: "ok",
          text: summaryOf(body || {}) }), ...warnings(body));
        if (!$("case-title")) P.reload();
      }
    } catch (e) {
      resetCheck();
      out.replaceChildren(el("p", { class: "error", role: "alert",
        text: t("error") + ": " + e.message }));
    } finally {
      button.disabled = false;
    }
  }

  const form = $("upload-form");
  if (form) {
    form.addEventListener("submit", upload);
    $("upload-file").addEventListener("change", resetCheck);
    $("upload-token").addEventListener("change", resetCheck);
    form.querySelector("button[type=submit]").disabled = false;
  }
})();
