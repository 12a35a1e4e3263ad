// TaskLeaseServer dashboard: keeps a live page current. The page is complete without this script.
// A page's live marker ([data-live]) names an event stream of the server (data-stream) and the
// event id the page was rendered at (data-after), so the stream starts there and replays nothing.
// The stream is read with fetch, not EventSource: the server names every event after its kind
// ("event: heartbeat"), and EventSource hands named events only to listeners of that exact name.
// On each event the page either re-reads its own HTML and swaps in the new <main> (parsed by
// DOMParser, which runs no script), or, with data-tail, appends the event as a row of that table,
// written with textContent only. Nothing else is ever written into the page.
(function () {
  "use strict";
  // The page's one re-read, shared with actions.js (after an action): resolves true once the new
  // <main> is in, false when the page could not be read.
  function reread() {
    return fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (text) {
        if (!text) return false;
        var next = new DOMParser().parseFromString(text, "text/html").querySelector("main");
        var main = document.querySelector("main");
        if (!next || !main) return false;
        main.replaceWith(next);
        return true;
      });
  }
  window.TaskLeaseUi = { reread: reread };

  var marker = document.querySelector("[data-live]");
  if (!marker) return;
  var stream = marker.getAttribute("data-stream") || "/events/stream";
  var last = marker.getAttribute("data-after") || "0";
  var tail = marker.getAttribute("data-tail");
  var MAX_TAIL_ROWS = 1000;

  var pending = false;
  function refresh() {
    // Not while the operator is filling in an action or has ticked rows: a new <main> would lose them.
    if (pending || document.hidden || document.querySelector("main details.action[open], main form.act:focus-within, main input[data-select]:checked")) return;
    pending = true;
    reread()
      .catch(function () { /* the next change or tick tries again */ })
      .finally(function () { pending = false; });
  }

  function time(ms) {
    var d = new Date(ms);
    return isNaN(d.getTime()) ? "" : d.toISOString().replace("T", " ").slice(0, 19) + " UTC";
  }

  function append(id, data) {
    var body = document.getElementById(tail);
    if (!body) return;
    var event;
    try { event = JSON.parse(data); } catch (e) { return; }
    var row = document.createElement("tr");
    var cells = [String(id), time(event.ts_ms), String(event.kind), JSON.stringify(event.data)];
    for (var i = 0; i < cells.length; i++) {
      var cell = document.createElement("td");
      if (i === 0) cell.className = "num";
      var inner = i === 2 ? document.createElement("span") : i === 3 ? document.createElement("code") : null;
      if (inner) { if (i === 2) inner.className = "chip"; inner.textContent = cells[i]; cell.appendChild(inner); }
      else cell.textContent = cells[i];
      row.appendChild(cell);
    }
    body.appendChild(row);
    while (body.rows.length > MAX_TAIL_ROWS) body.deleteRow(0);
    var empty = document.querySelector("main p.empty.events-empty");
    if (empty) empty.remove();
  }

  var debounce = null;
  function onEvent(id, data) {
    if (id) last = id;
    if (tail) { append(id, data); return; }
    clearTimeout(debounce);
    debounce = setTimeout(refresh, 250);
  }

  // One SSE frame: "id:", "event:" and "data:" lines; a line starting with ":" is a keep-alive.
  function frame(text) {
    var id = null, data = [];
    text.split("\n").forEach(function (line) {
      if (line.indexOf("id:") === 0) id = line.slice(3).trim();
      else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
    });
    if (data.length) onEvent(id, data.join("\n"));
  }

  var backoff = 1000;
  function connect() {
    var url = stream + (stream.indexOf("?") < 0 ? "?" : "&") + "after=" + encodeURIComponent(last);
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/event-stream" } })
      .then(function (r) {
        if (!r.ok || !r.body || !r.body.getReader) throw new Error("no stream");
        backoff = 1000;
        var reader = r.body.getReader(), decoder = new TextDecoder(), buffer = "";
        function read() {
          return reader.read().then(function (chunk) {
            if (chunk.done) throw new Error("ended");
            buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n?/g, "\n");
            var end;
            while ((end = buffer.indexOf("\n\n")) >= 0) { frame(buffer.slice(0, end)); buffer = buffer.slice(end + 2); }
            return read();
          });
        }
        return read();
      })
      .catch(function () {
        // Reconnect from the last event seen, backing off to 30 s; a plain page re-reads meanwhile.
        if (!tail) refresh();
        setTimeout(connect, backoff);
        backoff = Math.min(backoff * 2, 30000);
      });
  }

  // A read session may not stream (the stream needs the agent scope): it re-reads every 5 s.
  var streams = document.body.hasAttribute("data-stream");
  if (streams && window.fetch && window.TextDecoder && window.ReadableStream) connect();
  else if (!tail) setInterval(refresh, 5000);
  if (!tail) {
    setInterval(refresh, 15000); // figures that change without an event (a lease running out)
    document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
  }
})();
