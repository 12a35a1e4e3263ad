// TaskLeaseServer dashboard: keeps a live page current. The page is complete without this script;
// with it, a page marked data-live re-reads its own HTML when the server reports a change (its SSE
// stream /events/stream) or, where that stream is not there, every 5 s. The new <main> is parsed
// by DOMParser (which runs no script) and swapped in; nothing else is ever written into the page.
(function () {
  "use strict";
  if (!document.querySelector("[data-live]")) return;
  var pending = false;
  function refresh() {
    // Not while the operator is filling in an action or has ticked rows: a new <main> would lose them.
    if (pending || document.hidden || document.querySelector("main details.action[open], main form.act:focus-within, main input[data-select]:checked")) return;
    pending = true;
    fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (text) {
        if (!text) return;
        var next = new DOMParser().parseFromString(text, "text/html").querySelector("main");
        var main = document.querySelector("main");
        if (next && main) main.replaceWith(next);
      })
      .catch(function () { /* the next change or tick tries again */ })
      .finally(function () { pending = false; });
  }
  var timer = null;
  function poll() { if (!timer) timer = setInterval(refresh, 5000); }
  if (window.EventSource && document.body.hasAttribute("data-stream")) { // a read session may not stream: it polls
    var stream = new EventSource("/events/stream");
    var debounce = null;
    stream.onmessage = function () { clearTimeout(debounce); debounce = setTimeout(refresh, 250); };
    stream.addEventListener("error", function () { if (stream.readyState === EventSource.CLOSED) poll(); });
    setInterval(refresh, 15000); // counts that change without an event (a lease running out)
  } else {
    poll();
  }
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
})();
