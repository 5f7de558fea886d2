/* Eventscope: fetch and start Plotly.js as the page loads, not when the first chart mounts.

dcc.Graph loads Plotly.js itself when the first graph mounts, then waits for window.Plotly
(it uses `window.Plotly || <load the script>`). Plotly.js takes the browser's main thread for
most of a second to start; started here, that happens while the page's first requests are in
flight instead of after the first charts' data has arrived. Until the script has run,
window.Plotly is a thenable that settles when it has, so dcc.Graph waits for it and never loads
a second copy; Plotly.js then replaces it with itself. */
(function () {
    "use strict";
    var config = document.getElementById("_dash-config");
    if (window.Plotly || !config) {
        return;
    }
    var prefix = JSON.parse(config.textContent).requests_pathname_prefix || "/";
    var script = document.createElement("script");
    var loaded = new Promise(function (resolve, reject) {
        script.onload = function () { resolve(); };
        script.onerror = reject;
    });
    script.src = prefix + "_dash-component-suites/plotly/package_data/plotly.min.js";
    script.async = true;
    window.Plotly = {then: function (onLoad, onError) { return loaded.then(onLoad, onError); }};
    document.head.appendChild(script);
}());
