/* minga page, second script: the upload form. Loaded after app.js (which
 * exposes MINGA_PAGE). The form needs the script: the token travels in
 * an Authorization header, never in a URL, so its button starts disabled
 * in the server's HTML and is enabled here. The report and its errors
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
        out.replaceChildren(el("p", { class: "ok",
          text: summaryOf(body || {}) }));
        if (!$("case-title")) P.reload();
      } else {
        const lines = P.distinctDetails(body);
        out.replaceChildren(...[
          el("p", { class: "error", role: "alert",
            text: t("uploadFailed") + " " + P.errorText(body,
              resp.status + " " + resp.statusText) }),
          lines.length ? el("ul", { class: "diags" }, lines.slice(0, 20)
            .map((line) => el("li", { text: line }))) : null
        ].filter(Boolean));
      }
    } catch (e) {
      out.replaceChildren(el("p", { class: "error", role: "alert",
        text: t("error") + ": " + e.message }));
    } finally {
      button.disabled = false;
    }
  }

  const form = $("upload-form");
  if (form) {
    form.addEventListener("submit", upload);
    form.querySelector("button[type=submit]").disabled = false;
  }
})();
