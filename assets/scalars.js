/* Eventscope Scalars: TensorBoard's tooltip table and smoothing while the slider is dragged.

Tooltip: every chart drawn by figures/scalars.py (traces with meta.role "smoothed") gets, on hover,
a table of every run at the hovered step (colour, run, smoothed, value, step, wall time, relative
time), sorted as the sidebar's "Tooltip sorting" says (default / ascending / descending / nearest),
numbers as TensorBoard writes them (formatShort: 4 significant digits, no trailing zeros; the full
value in each cell's title). Plotly's own labels are hidden on those charts only.

Smoothing: while the slider is dragged, every chart's smoothed lines are recomputed here from the
raw points already in the browser (TensorBoard's debiased EMA, as figures/smoothing.py), and the
server's exact lines replace them on release. */
(function () {
    "use strict";
    var NS = window.eventscopeScalars = window.eventscopeScalars || {};
    var SORT_INPUT = "#scalars-tooltip-sort input:checked";
    var tip = null;

    function trimZeros(text) {
        // "1.500" -> "1.5", "2.000" -> "2", "1.20e+4" -> "1.2e+4"
        return text.replace(/(\.\d*?)0+(?=e|$)/, "$1").replace(/\.(?=e|$)/, "");
    }

    /* TensorBoard's numberFormatter.formatShort: d3 ".4~r" for 0.001 <= |x| < 10000, ".2~e" otherwise. */
    function formatShort(x) {
        if (typeof x !== "number") { return String(x); }
        if (x === 0) { return "0"; }
        if (!isFinite(x)) { return isNaN(x) ? "NaN" : (x > 0 ? "+inf" : "-inf"); }
        var abs = Math.abs(x);
        if (abs >= 10000 || abs < 0.001) {
            return trimZeros(x.toExponential(2));
        }
        var digits = Math.max(0, 3 - Math.floor(Math.log10(abs)));
        return trimZeros(Number(x.toPrecision(4)).toFixed(Math.min(20, digits)));
    }
    NS.formatShort = formatShort;

    /* TensorBoard's relativeTimeFormatter (seconds in; ms, sec, min, hr, day, yr out). */
    function formatRelative(seconds) {
        if (!isFinite(seconds)) { return ""; }
        var ms = seconds * 1000, abs = Math.abs(ms), sign = ms < 0 ? "-" : "";
        if (ms === 0) { return "0"; }
        var units = [[1, "ms"], [1000, "sec"], [60000, "min"], [3600000, "hr"], [86400000, "day"],
                     [31536000000, "yr"]];
        var unit = units[0];
        for (var i = 0; i < units.length; i++) { if (abs >= units[i][0]) { unit = units[i]; } }
        return sign + trimZeros(Number((abs / unit[0]).toPrecision(4)).toString()) + " " + unit[1];
    }
    NS.formatRelative = formatRelative;

    function escapeHtml(text) {
        return String(text).replace(/[&<>"']/g, function (c) {
            return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"}[c];
        });
    }

    function sortMode() {
        var checked = document.querySelector(SORT_INPUT);
        return checked ? checked.value : "default";
    }

    /* One row per run from a plotly_hover event (smoothed lines and NaN/inf marks). */
    function rows(gd, event) {
        var out = [];
        (event.points || []).forEach(function (point) {
            var trace = point.data || {}, meta = trace.meta || {};
            if (meta.role !== "smoothed" && meta.role !== "nonfinite") { return; }
            var custom = point.customdata, full = gd._fullData[point.curveNumber] || {};
            var row = {run: meta.run, color: (full.line || full.marker || {}).color, order: point.curveNumber,
                       smoothed: point.y, value: point.y, step: point.x, wall: null, relative: null};
            if (meta.role === "smoothed" && custom && custom.length >= 2) {
                row.step = custom[0];
                row.value = custom[1];
                row.relative = custom.length > 2 ? custom[2] : null;
            } else if (meta.role === "nonfinite") {
                row.step = Array.isArray(custom) ? custom[0] : custom;
                row.value = {"NaN": NaN, "+inf": Infinity, "-inf": -Infinity}[point.text];
                row.smoothed = row.value;
                row.color = (full.marker || {}).color || row.color;
            }
            if (row.relative !== null && typeof meta.t0 === "number") { row.wall = meta.t0 + row.relative; }
            out.push(row);
        });
        // A run whose NaN/inf value is at the hovered step shows that row, not its nearest finite point.
        var marked = {};
        out.forEach(function (row) { if (!isFinite(row.value)) { marked[row.run] = true; } });
        return out.filter(function (row) { return isFinite(row.value) ? !marked[row.run] : true; });
    }

    function sortRows(list, mode, cursorY) {
        var key = function (row) { return isFinite(row.smoothed) ? row.smoothed : -Infinity; };
        if (mode === "ascending") { list.sort(function (a, b) { return key(a) - key(b); }); }
        else if (mode === "descending") { list.sort(function (a, b) { return key(b) - key(a); }); }
        else if (mode === "nearest" && isFinite(cursorY)) {
            list.sort(function (a, b) {
                var da = isFinite(a.smoothed) ? Math.abs(a.smoothed - cursorY) : Infinity;
                var db = isFinite(b.smoothed) ? Math.abs(b.smoothed - cursorY) : Infinity;
                return da - db;
            });
        } else { list.sort(function (a, b) { return a.order - b.order; }); }
        return list;
    }
    NS.sortRows = sortRows;

    function cell(value, formatted) {
        var title = typeof value === "number" ? String(value) : "";
        return "<td class=\"num\" title=\"" + escapeHtml(title) + "\">" + escapeHtml(formatted) + "</td>";
    }

    function render(list) {
        var html = ["<table><thead><tr><th></th><th>Run</th><th>Smoothed</th><th>Value</th><th>Step</th>",
                    "<th>Time</th><th>Relative</th></tr></thead><tbody>"];
        list.forEach(function (row) {
            var wall = row.wall === null ? "" : new Date(row.wall * 1000).toLocaleString();
            html.push("<tr><td><span class=\"swatch\" style=\"background:" + escapeHtml(row.color || "#607d8b") +
                      "\"></span></td><td class=\"run\">" + escapeHtml(row.run) + "</td>" +
                      cell(row.smoothed, formatShort(row.smoothed)) + cell(row.value, formatShort(row.value)) +
                      cell(row.step, String(row.step)) + "<td>" + escapeHtml(wall) + "</td>" +
                      "<td>" + escapeHtml(row.relative === null ? "" : formatRelative(row.relative)) + "</td></tr>");
        });
        html.push("</tbody></table>");
        return html.join("");
    }

    function show(gd, event) {
        var list = rows(gd, event);
        if (!list.length) { hide(); return; }
        var cursorY = event.yvals && event.yvals.length ? event.yvals[0] : NaN;
        if (gd._fullLayout && gd._fullLayout.yaxis && gd._fullLayout.yaxis.type === "log" && isFinite(cursorY)) {
            cursorY = Math.pow(10, cursorY);
        }
        if (!tip) {
            tip = document.createElement("div");
            tip.className = "scalars-tooltip";
            document.body.appendChild(tip);
        }
        tip.innerHTML = render(sortRows(list, sortMode(), cursorY));
        tip.style.display = "block";
        var mouse = event.event || {}, x = (mouse.clientX || 0) + 16, y = (mouse.clientY || 0) + 16;
        var box = tip.getBoundingClientRect();
        if (x + box.width > window.innerWidth - 4) { x = Math.max(4, (mouse.clientX || 0) - box.width - 16); }
        if (y + box.height > window.innerHeight - 4) { y = Math.max(4, window.innerHeight - box.height - 4); }
        tip.style.left = x + "px";
        tip.style.top = y + "px";
    }

    function hide() {
        if (tip) { tip.style.display = "none"; }
    }
    NS.hide = hide;

    function isScalarChart(gd) {
        return !!(gd._fullData && gd._fullData.some(function (t) { return t.meta && t.meta.role === "smoothed"; }));
    }

    function bind() {
        var graphs = document.querySelectorAll(".card-graph .js-plotly-plot");
        for (var i = 0; i < graphs.length; i++) {
            var gd = graphs[i];
            if (gd.__esTooltip || !gd.on || !isScalarChart(gd)) { continue; }
            gd.__esTooltip = true;
            gd.classList.add("scalars-table-tooltip");
            gd.on("plotly_hover", show.bind(null, gd));
            gd.on("plotly_unhover", hide);
            gd.on("plotly_afterplot", hide);  // a redraw (new points, smoothing) would leave stale numbers
            gd.addEventListener("mouseleave", hide);
        }
    }
    NS.bind = bind;
    setInterval(bind, 300);

    /* TensorBoard's debiased EMA, as figures/smoothing.py: non-finite values pass through and do not
    count; a series of equal values is returned unchanged. */
    function smooth(values, weight) {
        var n = values.length, out = new Float64Array(n), last = 0, count = 0, first = values[0], same = true;
        for (var j = 1; j < n; j++) { if (values[j] !== first) { same = false; break; } }
        for (var i = 0; i < n; i++) {
            var y = values[i];
            if (same || weight === 0 || !isFinite(y)) { out[i] = y; continue; }
            last = last * weight + (1 - weight) * y;
            count += 1;
            out[i] = weight === 1 ? last : last / (1 - Math.pow(weight, count));
        }
        return out;
    }
    NS.smooth = smooth;

    /* Restyle every scalar chart's smoothed lines for a smoothing weight (slider drag). */
    NS.dragSmoothing = function (weight) {
        if (typeof weight !== "number" || !isFinite(weight) || !window.Plotly || !window.Plotly.restyle) {
            return window.dash_clientside.no_update;
        }
        weight = Math.min(0.999, Math.max(0, weight));
        var graphs = document.querySelectorAll(".card-graph .js-plotly-plot");
        for (var g = 0; g < graphs.length; g++) {
            var gd = graphs[g], traces = gd._fullData || [], raw = {}, ys = [], indices = [];
            traces.forEach(function (t) { if (t.meta && t.meta.role === "raw") { raw[t.meta.run] = t.y; } });
            traces.forEach(function (t, index) {
                if (t.meta && t.meta.role === "smoothed" && raw[t.meta.run]) {
                    ys.push(smooth(Array.from(raw[t.meta.run]), weight));
                    indices.push(index);
                }
            });
            if (indices.length) { window.Plotly.restyle(gd, {y: ys}, indices); }
        }
        return weight;
    };
}());
