// TaskLeaseServer dashboard: operator actions. Each form.act names a route of the public API
// (data-path); sending it posts the form as JSON there with the session's CSRF header (from
// <meta name="csrf-token">), shows the answer as text, and re-reads the page. Bulk forms
// (data-dry-run) count first with "dry_run": true; their apply button opens only after a count of
// the same request. Nothing here writes markup: answers go in via textContent.
(function () {
  "use strict";
  document.documentElement.classList.add("js"); // shows what works only with this script (the select-all box)
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : null;

  function set(obj, name, value) {
    var parts = name.split("."), o = obj;
    for (var i = 0; i < parts.length - 1; i++) { o = o[parts[i]] = o[parts[i]] || {}; }
    o[parts[parts.length - 1]] = value;
  }

  // The request the form stands for now: { path, body } or { error }.
  function request(form) {
    var path = form.getAttribute("data-path"), body = {}, target = null;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled) return;
      var type = el.getAttribute("data-type");
      if (el.type === "radio") { if (el.checked) target = el.value; return; }
      if (type === "path") { path = path.replace("{" + el.name + "}", encodeURIComponent(el.value)); return; }
      if (type === "bool") { set(body, el.name, el.checked); return; }
      if (el.value === "") return;
      set(body, el.name, type === "int" ? parseInt(el.value, 10) : el.value);
    });
    if (target === "ids") {
      delete body.filter;
      var ticked = document.querySelectorAll('input[name="' + form.getAttribute("data-selection") + '"]:checked');
      body.ids = Array.prototype.map.call(ticked, function (c) { return c.value; });
      if (body.ids.length === 0) return { path: path, body: body, error: "Tick at least one row first, or choose all matching the filter." };
    } else if (target === "filter") {
      body.filter = body.filter || {};
    }
    return { path: path, body: body };
  }

  function quote(s) { return "'" + s.replace(/'/g, "'\\''") + "'"; }

  function curl(form) {
    var code = form.querySelector(".curl code");
    if (!code) return;
    var r = request(form);
    var auth = csrf ? ' -H "Authorization: Bearer $TLS_KEY"' : "";
    code.textContent = "curl -X POST " + quote(location.origin + r.path) + auth +
      " -H 'Content-Type: application/json' -d " + quote(JSON.stringify(r.body));
  }

  function show(form, text, bad) {
    var out = form.querySelector(".act-result");
    if (!out) return;
    out.textContent = text;
    out.className = "act-result " + (bad ? "bad" : "ok");
  }

  function send(path, body) {
    var headers = { "Content-Type": "application/json", Accept: "application/json" };
    if (csrf) headers["X-CSRF-Token"] = csrf;
    return fetch(path, { method: "POST", credentials: "same-origin", headers: headers, body: JSON.stringify(body) })
      .then(function (r) {
        return r.text().then(function (t) {
          var json = null;
          try { json = t ? JSON.parse(t) : null; } catch (e) { json = null; }
          return { ok: r.ok, status: r.status, json: json };
        });
      });
  }

  function describe(answer) {
    if (!answer.ok) {
      var e = answer.json && answer.json.error;
      return e ? e.code + ": " + e.message : "HTTP " + answer.status;
    }
    var j = answer.json || {};
    if (Array.isArray(j.items) && typeof j.matched === "number") {
      var failed = j.items.filter(function (i) { return !i.ok; });
      var text = (j.items.length - failed.length) + " of " + j.matched + " done";
      if (failed.length) text += "; " + failed.length + " refused, first: " + failed[0].id + " " + failed[0].error.code + ": " + failed[0].error.message;
      return text;
    }
    var st = (j.task && j.task.status) || (typeof j.status === "string" && j.id ? j.status : null);
    if (st) return "Done: the task is now " + st.replace("_", " ") + ".";
    if (typeof j.remaining_leases === "number") return "Drained: " + j.remaining_leases + " leases remain" + (j.timed_out ? " (timed out)." : ".");
    return "Done.";
  }

  // After an action: the page as it is now (ui.js's re-read), then the answer as a toast.
  function reread(message) {
    window.TaskLeaseUi.reread().then(function (swapped) { if (swapped) toast(message); }, function () { /* the next tick re-reads */ });
  }

  function toast(message) {
    var t = document.getElementById("toast");
    if (!t) {
      t = document.createElement("div");
      t.id = "toast";
      t.setAttribute("role", "status");
      t.setAttribute("aria-live", "polite");
      document.body.appendChild(t);
    }
    t.textContent = message;
    t.className = "shown";
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { t.className = ""; }, 6000);
  }

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.matches || !form.matches("form.act")) return;
    ev.preventDefault();
    var step = ev.submitter ? ev.submitter.getAttribute("data-step") : null;
    var r = request(form);
    if (r.error) { show(form, r.error, true); return; }
    var dry = form.hasAttribute("data-dry-run");
    var apply = form.querySelector('button[data-step="apply"]');
    var body = r.body;
    if (dry && step !== "apply") body = Object.assign({}, body, { dry_run: true });
    var snapshot = JSON.stringify(r);
    if (dry && step === "apply" && form.getAttribute("data-counted") !== snapshot) {
      show(form, "The request changed since it was counted; count again.", true);
      return;
    }
    show(form, "Sending…", false);
    send(r.path, body).then(function (answer) {
      if (dry && step !== "apply") {
        if (!answer.ok) { show(form, describe(answer), true); return; }
        form.setAttribute("data-counted", snapshot);
        if (apply) apply.disabled = answer.json.matched === 0;
        show(form, "This would act on " + answer.json.matched + " task" + (answer.json.matched === 1 ? "" : "s") + ". Press " +
          (apply ? apply.textContent : "apply") + " to do it.", false);
        return;
      }
      var text = describe(answer);
      show(form, text, !answer.ok);
      if (answer.ok) reread(text);
    }).catch(function () { show(form, "The server did not answer; nothing may have changed. Try again.", true); });
  });

  // The select-all box of a list: ticking it ticks every row; it shows ticked, clear or mixed after each row's change.
  function rows(name) { return document.querySelectorAll('input[name="' + name + '"]'); }
  function reflect() {
    Array.prototype.forEach.call(document.querySelectorAll("input[data-select-all]"), function (all) {
      var boxes = rows(all.getAttribute("data-select-all")), ticked = 0;
      Array.prototype.forEach.call(boxes, function (c) { if (c.checked) ticked++; });
      all.checked = boxes.length > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    });
  }

  document.addEventListener("input", function (ev) {
    var form = ev.target.closest ? ev.target.closest("form.act") : null;
    if (ev.target.matches && ev.target.matches("input[data-select-all]")) {
      Array.prototype.forEach.call(rows(ev.target.getAttribute("data-select-all")), function (c) { c.checked = ev.target.checked; });
    } else if (ev.target.matches && ev.target.matches("input[data-select]")) {
      reflect();
    }
    var forms = form ? [form] : document.querySelectorAll("form.act[data-selection]");
    Array.prototype.forEach.call(forms, function (f) {
      curl(f);
      var apply = f.querySelector('button[data-step="apply"]');
      if (apply) { apply.disabled = true; f.removeAttribute("data-counted"); }
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll("form.act"), curl);
})();
