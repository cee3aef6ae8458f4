// supakit HTML report: sorting and a filter for the heat map. The page reads fine without it.
(function () {
  "use strict";
  var heat = document.getElementById("heat");
  if (heat) {
    var controls = document.getElementById("heat-controls");
    var filter = document.getElementById("heat-filter");
    var sort = document.getElementById("heat-sort");
    var onlyFindings = document.getElementById("heat-findings");
    var shown = document.getElementById("heat-shown");
    var bodies = Array.prototype.slice.call(heat.tBodies);
    var rows = [];
    bodies.forEach(function (body) {
      Array.prototype.forEach.call(body.rows, function (tr) {
        if (tr.classList.contains("t")) {
          rows.push({tr: tr, body: body, key: (tr.getAttribute("data-key") || "").toLowerCase(),
                     n: rows.length, w: +tr.getAttribute("data-w"), f: !!tr.querySelector("a.mark")});
        }
      });
    });
    controls.hidden = false;
    var apply = function () {
      var needle = filter.value.trim().toLowerCase();
      var withFindings = onlyFindings.checked;
      var visible = 0;
      var perBody = new Map();
      rows.forEach(function (r) {
        var show = (!needle || r.key.indexOf(needle) !== -1) && (!withFindings || r.f);
        if (r.tr.hidden === show) { r.tr.hidden = !show; }
        if (show) { visible += 1; perBody.set(r.body, true); }
      });
      bodies.forEach(function (body) { body.hidden = !perBody.get(body); });
      shown.textContent = visible === rows.length ? rows.length + " tables"
        : visible + " of " + rows.length + " tables";
    };
    var reorder = function () {
      var by = sort.value === "worst" ? "w" : "n";
      bodies.forEach(function (body) {
        var mine = rows.filter(function (r) { return r.body === body; });
        mine.sort(function (a, b) { return a[by] - b[by]; });
        var frag = document.createDocumentFragment();
        mine.forEach(function (r) { frag.appendChild(r.tr); });
        body.appendChild(frag);
      });
    };
    var timer = 0;
    filter.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(apply, 60); });
    onlyFindings.addEventListener("change", apply);
    sort.addEventListener("change", reorder);
    apply();
  }
  // A link to a rule or to the suppressed section opens the collapsed block it points at.
  var openTarget = function () {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    while (el) { if (el.tagName === "DETAILS") { el.open = true; } el = el.parentElement; }
  };
  window.addEventListener("hashchange", openTarget);
  openTarget();
})();
