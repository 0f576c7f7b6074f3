// Live HQ queue: rows arrive over server-sent events (GET /hq/events) and
// replace or join the server-rendered table; the page works without this
// script through its refresh link. Rows come rendered and escaped by the
// server, in the user's language and scoped to what they may see.
(function () {
  "use strict";
  var table = document.getElementById("hq-queue");
  if (!table) return;
  var body = table.tBodies[0];
  var status = document.getElementById("hq-status");
  var overdueText = table.getAttribute("data-overdue") || "";

  function markOverdue() {
    var now = Date.now();
    Array.prototype.forEach.call(body.rows, function (tr) {
      if (tr.hasAttribute("data-answered") || tr.classList.contains("overdue")) return;
      var due = Date.parse(tr.getAttribute("data-due"));
      if (due && now > due) {
        tr.classList.add("overdue");
        var cell = tr.cells[1];
        if (cell) {
          var mark = document.createElement("strong");
          mark.className = "error overdue-mark";
          mark.textContent = " " + overdueText;
          cell.appendChild(mark);
        }
      }
    });
  }
  markOverdue();
  setInterval(markOverdue, 30000);

  var url = table.getAttribute("data-events");
  if (!url || !window.EventSource) return;
  var es = new EventSource(url);
  es.addEventListener("open", function () {
    if (status) {
      status.setAttribute("data-state", "live");
      status.title = status.getAttribute("data-live") || "";
    }
    table.setAttribute("aria-live", "polite");
  });
  es.addEventListener("error", function () {
    if (status) {
      status.setAttribute("data-state", "off");
      status.title = status.getAttribute("data-off") || "";
    }
  });
  es.addEventListener("row", function (ev) {
    var d = JSON.parse(ev.data);
    var tpl = document.createElement("template");
    tpl.innerHTML = d.html.trim(); // rendered and escaped by the server
    var row = tpl.content.firstElementChild;
    if (!row) return;
    var old = document.getElementById("incident-" + d.id);
    if (old) {
      old.replaceWith(row);
    } else {
      body.insertBefore(row, body.firstChild);
      row.classList.add("fresh");
    }
    var empty = document.getElementById("hq-empty");
    if (empty) empty.hidden = true;
    markOverdue();
  });
  es.addEventListener("remove", function (ev) {
    var d = JSON.parse(ev.data);
    var old = document.getElementById("incident-" + d.id);
    if (old) old.remove();
  });
  es.addEventListener("reload", function () {
    es.close();
    window.location.reload();
  });
})();
