/* themelens report: charts, sortable tables with CSV export, and the claims filters.
   Inlined into every page (the written report and the web app), so it must work for any
   <table> and any chart on any page: nothing here names one table. */
(function () {
  "use strict";

  // --- numbers: keep NUMBER in step with _NUMBER in report/format.py ---------------------
  var NUMBER = /^([+\-\u2212])?\s*(?:([A-Z]{3})\s?|([$\u20ac\u00a3\u00a5]))?([+\-\u2212])?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s?(%|x|\u00d7|bps|bp|pp|[kKmMbBtT]n?|[A-Z]{3})?$/;
  var SCALE = {k: 1e3, m: 1e6, b: 1e9, t: 1e12};
  var MISSING = "\u2014";

  /** [value, shown sign (1, -1 or 0)] of a number-like text, or null for text. */
  function numberValue(text) {
    var m = NUMBER.exec(text.trim());
    if (!m || (m[1] && m[4])) { return null; }
    var value = parseFloat(m[5].replace(/,/g, "") + (m[6] || ""));
    var unit = (m[7] || "").toLowerCase();
    if (unit.length === 1 || (unit.length === 2 && unit.charAt(1) === "n")) {
      value *= SCALE[unit.charAt(0)] || 1;
    }
    var sign = m[1] || m[4];
    if (sign && sign !== "+") { value = -value; }
    var shown = !sign || value === 0 ? 0 : (value > 0 ? 1 : -1);
    return [value, shown];
  }

  function headRow(table) {
    var head = table.tHead;
    return head && head.rows.length ? head.rows[head.rows.length - 1] : null;
  }

  function bodyRows(table) {
    var rows = [];
    for (var b = 0; b < table.tBodies.length; b++) {
      rows.push.apply(rows, table.tBodies[b].rows);
    }
    return rows;
  }

  /** Tables not built by html_table (summaries, the web app's) get the same marks. */
  function typeCells(table) {
    var head = headRow(table), rows = bodyRows(table);
    if (!head) { return; }
    for (var c = 0; c < head.cells.length; c++) {
      var numbers = 0, text = 0;
      rows.forEach(function (row) {
        var cell = row.cells[c];
        if (!cell) { return; }
        var t = cell.textContent.trim();
        if (t === "" || t === MISSING) { return; }
        var parsed = numberValue(t);
        if (parsed === null) { text++; return; }
        numbers++;
        cell.setAttribute("data-sort", String(parsed[0]));
        if (parsed[1] > 0) { cell.classList.add("pos"); }
        if (parsed[1] < 0) { cell.classList.add("neg"); }
      });
      if (numbers && !text) {
        head.cells[c].classList.add("num");
        rows.forEach(function (row) { if (row.cells[c]) { row.cells[c].classList.add("num"); } });
      }
    }
  }

  // --- sorting -----------------------------------------------------------------------
  function sortKey(cell) {
    if (!cell) { return null; }
    if (cell.hasAttribute("data-sort")) { return {n: parseFloat(cell.getAttribute("data-sort"))}; }
    var t = cell.textContent.trim();
    if (t === "" || t === MISSING) { return null; }
    return {s: t};
  }

  function compare(a, b) {
    if (a.n !== undefined && b.n !== undefined) { return a.n - b.n; }
    if (a.n !== undefined) { return -1; }
    if (b.n !== undefined) { return 1; }
    return a.s.localeCompare(b.s, undefined, {numeric: true, sensitivity: "base"});
  }

  function sortBy(table, th, index) {
    var descending = th.getAttribute("aria-sort") === "ascending";
    var head = headRow(table);
    for (var i = 0; i < head.cells.length; i++) { head.cells[i].removeAttribute("aria-sort"); }
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
    var body = table.tBodies[0];
    var keyed = Array.prototype.map.call(body.rows, function (row, at) {
      return {row: row, key: sortKey(row.cells[index]), at: at};
    });
    keyed.sort(function (x, y) {
      if (x.key === null || y.key === null) {  // missing values last, whichever way
        return (x.key === null) - (y.key === null) || x.at - y.at;
      }
      return (descending ? -compare(x.key, y.key) : compare(x.key, y.key)) || x.at - y.at;
    });
    keyed.forEach(function (k) { body.appendChild(k.row); });
  }

  /** Columns of long text (quotes, reasons) get a minimum width so they are not squeezed
      into a tall narrow strip (the table scrolls in its card instead); columns of short
      values (dates, tickers) do not break. */
  function markLongText(table) {
    var rows = bodyRows(table), head = headRow(table);
    if (!head) { return; }
    for (var c = 0; c < head.cells.length; c++) {
      var longest = 0;
      rows.forEach(function (row) {
        if (row.cells[c]) { longest = Math.max(longest, row.cells[c].textContent.length); }
      });
      var mark = longest > 60 ? "long" : (longest <= 12 ? "short" : "");
      if (mark) {
        rows.forEach(function (row) { if (row.cells[c]) { row.cells[c].classList.add(mark); } });
      }
    }
  }

  function makeSortable(table) {
    var head = headRow(table);
    if (!head || table.tBodies.length !== 1) { return; }
    Array.prototype.forEach.call(head.cells, function (th, index) {
      th.classList.add("sortable");
      th.tabIndex = 0;
      th.title = "Sort by " + th.textContent.trim();
      th.addEventListener("click", function () { sortBy(table, th, index); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(table, th, index); }
      });
    });
  }

  // --- CSV ---------------------------------------------------------------------------
  /** One CSV field (RFC 4180 quoting) of a cell's text, its white space collapsed as shown. */
  function csvField(text) {
    var t = text.replace(/\s+/g, " ").trim();
    // a spreadsheet runs a cell that starts like a formula: article text could, figures never do
    if (/^[=@]/.test(t) || (/^[+\-\u2212]/.test(t) && /[=(|!@]/.test(t))) { t = "'" + t; }
    return /[",]/.test(t) ? '"' + t.replace(/"/g, '""') + '"' : t;
  }

  function shown(row) { return !row.hidden && row.style.display !== "none"; }

  function tableCsv(table) {
    var lines = [];
    var head = headRow(table);
    if (head) {
      lines.push(Array.prototype.map.call(head.cells, function (c) { return csvField(c.textContent); }).join(","));
    }
    bodyRows(table).filter(shown).forEach(function (row) {
      lines.push(Array.prototype.map.call(row.cells, function (c) { return csvField(c.textContent); }).join(","));
    });
    return lines.join("\r\n") + "\r\n";
  }

  function download(table) {
    var blob = new Blob(["\ufeff" + tableCsv(table)], {type: "text/csv;charset=utf-8"});
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = table.id + ".csv";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
  }

  function slug(text) {
    return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40);
  }

  function ensureId(table, index) {
    if (table.id) { return; }
    var section = table.closest("section[id]");
    var base = (table.caption && slug(table.caption.textContent)) ||
      ((section ? section.id : "table") + "-" + (index + 1));
    var id = base, n = 2;
    while (document.getElementById(id)) { id = base + "-" + n++; }
    table.id = id;
  }

  function enhanceTables() {
    Array.prototype.forEach.call(document.querySelectorAll("table"), function (table, index) {
      ensureId(table, index);
      if (!table.hasAttribute("data-typed")) { typeCells(table); }
      markLongText(table);
      makeSortable(table);
      var wrap = document.createElement("div");
      wrap.className = "table-scroll";
      table.parentNode.insertBefore(wrap, table);
      wrap.appendChild(table);
      var tools = document.createElement("div");
      tools.className = "table-tools";
      var button = document.createElement("button");
      button.type = "button";
      button.className = "csv-button";
      button.textContent = "CSV";
      button.title = "Download the rows shown as " + table.id + ".csv";
      button.setAttribute("aria-label", "Download " + table.id + " as CSV");
      button.addEventListener("click", function () { download(table); });
      if (table.caption) {  // shown beside the button, so it stays put when the table scrolls
        var label = document.createElement("span");
        label.className = "table-title";
        label.setAttribute("aria-hidden", "true");  // the caption itself stays for readers
        label.textContent = table.caption.textContent;
        tools.appendChild(label);
        table.caption.classList.add("shown-above");
      }
      tools.appendChild(button);
      wrap.parentNode.insertBefore(tools, wrap);
    });
  }

  // --- charts ------------------------------------------------------------------------
  var dark = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  var printing = false;
  var charts = [];  // {el, figure (as built), narrow}

  function copy(value) { return JSON.parse(JSON.stringify(value)); }

  /** Break a title into lines of at most `width` characters (plotly draws <br> as a break). */
  function wrap(text, width) {
    var lines = [], line = "";
    text.split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > width) { lines.push(line); line = word; }
      else { line = line ? line + " " + word : word; }
    });
    if (line) { lines.push(line); }
    return lines;
  }

  function layoutFor(chart) {
    var layout = copy(chart.figure.layout || {});
    var width = chart.el.clientWidth || 600;
    var title = layout.title && typeof layout.title === "object" ? layout.title : {text: layout.title || ""};
    var narrow = width < 560;
    var lines = narrow ? wrap(String(title.text || ""), Math.max(24, Math.floor(width / 7.2))) : [title.text || ""];
    title.text = lines.join("<br>");
    title.font = Object.assign({}, title.font, {size: narrow ? 13 : 16});
    layout.title = title;
    layout.margin = Object.assign({}, layout.margin);
    layout.margin.t = Math.max(layout.margin.t || 0, (narrow ? 22 : 30) + lines.length * (narrow ? 17 : 20));
    if (narrow) {
      layout.margin.l = Math.min(layout.margin.l || 50, 40);
      layout.margin.r = Math.min(layout.margin.r === undefined ? 20 : layout.margin.r, 10);
      layout.legend = Object.assign({}, layout.legend, {font: {size: 11}});
    }
    var axisFont = narrow ? 11 : 13;
    var isDark = dark && dark.matches && !printing;
    layout.paper_bgcolor = "rgba(0,0,0,0)";
    layout.plot_bgcolor = "rgba(0,0,0,0)";
    layout.font = Object.assign({}, layout.font, {color: isDark ? "#e6e6e8" : "#1d1d1f"});
    Object.keys(layout).concat(["xaxis", "yaxis"]).forEach(function (key) {
      if (!/^[xy]axis\d*$/.test(key)) { return; }
      var axis = layout[key] = Object.assign({}, layout[key]);
      axis.automargin = true;
      if (axis.title) {
        axis.title = typeof axis.title === "object" ? Object.assign({}, axis.title) : {text: axis.title};
        axis.title.font = Object.assign({}, axis.title.font, {size: axisFont});
      }
      if (isDark) {
        axis.gridcolor = "#3a3a40";
        axis.zerolinecolor = "#5a5a62";
        axis.linecolor = "#5a5a62";
      }
    });
    if (isDark && layout.shapes) {
      layout.shapes.forEach(function (s) { if (s.line) { s.line.color = "#9a9aa2"; } });
    }
    // print: the width of a page (A4 or Letter, 12 mm margins); else the container's
    if (printing) { layout.width = 680; } else { delete layout.width; layout.autosize = true; }
    chart.narrow = narrow;
    return layout;
  }

  function draw(chart) {
    Plotly.react(chart.el, copy(chart.figure.data || []), layoutFor(chart),
      {responsive: true, displaylogo: false});
  }

  function drawCharts() {
    var node = document.getElementById("figures");
    if (!node || typeof Plotly === "undefined") { return; }
    var figs = JSON.parse(node.textContent);
    Object.keys(figs).forEach(function (id) {
      var el = document.getElementById(id);
      if (el) { charts.push({el: el, figure: figs[id], narrow: null}); }
    });
    charts.forEach(draw);
    var timer = null;
    window.addEventListener("resize", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        charts.forEach(function (c) { if ((c.el.clientWidth < 560) !== c.narrow) { draw(c); } });
      }, 150);
    });
    var redraw = function () { charts.forEach(draw); };
    if (dark && dark.addEventListener) { dark.addEventListener("change", redraw); }
    window.addEventListener("beforeprint", function () { printing = true; redraw(); });
    window.addEventListener("afterprint", function () {
      printing = false;
      charts.forEach(function (c) { draw(c); Plotly.Plots.resize(c.el); });
    });
  }

  // --- filters (the claims table's selects), kept in the page's URL --------------------
  function setupFilters() {
    var selects = Array.prototype.slice.call(document.querySelectorAll("select[data-filter]"));
    if (!selects.length) { return; }
    var query = new URLSearchParams(window.location.search);
    selects.forEach(function (select) {
      var wanted = query.get(select.getAttribute("data-filter"));
      var known = Array.prototype.some.call(select.options, function (o) { return o.value === wanted; });
      if (wanted && known) { select.value = wanted; }
    });
    function apply() {
      var tables = {};
      selects.forEach(function (s) { tables[s.getAttribute("data-table")] = true; });
      Object.keys(tables).forEach(function (id) {
        var table = document.getElementById(id);
        if (!table) { return; }
        var mine = selects.filter(function (s) { return s.getAttribute("data-table") === id; });
        var rows = bodyRows(table), count = 0;
        rows.forEach(function (row) {
          var ok = mine.every(function (s) {
            return !s.value || row.getAttribute("data-" + s.getAttribute("data-filter")) === s.value;
          });
          row.style.display = ok ? "" : "none";
          if (ok) { count++; }
        });
        var counter = document.querySelector('[data-count-for="' + id + '"]');
        if (counter) { counter.textContent = count + " of " + rows.length + " " + (counter.getAttribute("data-noun") || "rows"); }
      });
    }
    function remember() {
      try {
        var url = new URL(window.location.href);
        selects.forEach(function (s) {
          var name = s.getAttribute("data-filter");
          if (s.value) { url.searchParams.set(name, s.value); } else { url.searchParams.delete(name); }
        });
        history.replaceState(history.state, "", url.href);
      } catch (e) { /* a page whose URL cannot change keeps its filters until it is left */ }
    }
    selects.forEach(function (s) {
      s.addEventListener("change", function () { apply(); remember(); });
    });
    apply();
  }

  enhanceTables();
  setupFilters();
  drawCharts();
  window.themelens = {numberValue: numberValue, tableCsv: tableCsv};
})();
