/* minga page, second script: the upload form. Loaded after app.js (which
 * exposes MINGA_PAGE). The form needs the script: the token travels in
 * an Authorization header, never in a URL, so its button starts disabled
 * in the server's HTML and is enabled here. A file is checked (a dry
 * run) before it is imported. The report and its errors
 * are shown in the page's language (errors by their code, with the
 * server's English text when the code is unknown), each problem once.
 * A clean check lists, per case, the SDG targets suggested for it as
 * checkboxes (unticked); "Import now" sends the ticked ones as
 * add_targets=ID:T,T, and the server adds them, with their goals. */
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

  /* The ticked suggestions as add_targets values: one per case,
   * "id:11.2,11.3" (docs/openapi.json). */
  function acceptedTargets() {
    const byCase = new Map();
    for (const box of document.querySelectorAll(
      "#upload-result input[name=add-target]:checked")) {
      const [id, target] = box.value.split(":");
      if (!byCase.has(id)) byCase.set(id, []);
      byCase.get(id).push(target);
    }
    return [...byCase].map(([id, targets]) => id + ":" + targets.join(","));
  }

  function post(file, token, dryRun, addTargets) {
    const adds = (addTargets || []).map((v) =>
      "&add_targets=" + encodeURIComponent(v)).join("");
    return fetch("/api/imports?filename=" + encodeURIComponent(file.name) +
      (dryRun ? "&dry_run=1" : "") + adds, {
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

  /* Why a target is suggested, in words: its phrases found in the text,
   * the similar cases tagged with it; the strongest few. */
  function reasonText(item) {
    const order = { phrase: 0, similar: 1, tagged_goal: 2 };
    const text = (r) => r.kind === "phrase" && r.phrase
      ? t("suggestPhrase", { phrase: r.phrase })
      : r.kind === "similar" && r.case ? t("suggestSimilar", { id: r.case })
        : r.kind === "tagged_goal" && r.goal
          ? t("suggestTaggedGoal", { goal: r.goal }) : "";
    /* what the text says first: a tagged goal explains least */
    return (item.reasons || []).filter((r) => r.kind in order)
      .sort((a, b) => order[a.kind] - order[b.kind]).map(text)
      .filter(Boolean).slice(0, 3).join("; ");
  }

  /* One fieldset a case: its suggested targets as real checkboxes with
   * their labels (keyboard and screen readers need nothing more). */
  function suggestionsOf(rep) {
    const cases = rep.cases_checked || [];
    if (!cases.length) return [];
    const sets = cases.map((c, i) => {
      const items = ((c.suggestions || {}).targets || []).map((item, k) => {
        const boxId = "sugg-" + i + "-" + k;
        const why = reasonText(item);
        return el("li", {},
          el("input", { type: "checkbox", id: boxId, name: "add-target",
            value: c.id + ":" + item.target }),
          el("label", { for: boxId },
            el("strong", { text: item.target }),
            " — " + (item.label || "") + (why ? " (" + why + ")" : "")));
      });
      return el("fieldset", { class: "suggest-case" },
        el("legend", { text: t("suggestCase", { title: c.title,
          id: c.id }) }),
        items.length ? el("ul", { class: "suggest-list" }, items)
          : el("p", { class: "muted", text: t("suggestNone") }));
    });
    return [el("section", { class: "suggest",
      "aria-labelledby": "suggest-title" },
    el("h3", { id: "suggest-title", text: t("suggestTitle") }),
    el("p", { class: "help", text: t("suggestHelp") }),
    ...sets,
    rep.cases_more ? el("p", { class: "muted", text: t("suggestMore",
      { n: cases.length, more: rep.cases_more }) }) : null)];
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
    const adds = isCheck ? [] : acceptedTargets();
    button.disabled = true;
    out.replaceChildren(el("p", { class: "muted",
      text: t(isCheck ? "checking" : "sending") }));
    try {
      const resp = await post(file, token, isCheck, adds);
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
        ...warnings(rep), ...suggestionsOf(rep));
      } else {
        resetCheck();
        const added = adds.reduce((n, v) => n + v.split(",").length, 0);
        out.replaceChildren(el("p", { class: "ok",
          text: summaryOf(body || {}) }),
        ...(added ? [el("p", { text: t("suggestAccepted", { n: added }) })]
          : []), ...warnings(body));
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
