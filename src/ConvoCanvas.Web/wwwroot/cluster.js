// The Cluster page's Mermaid drawing. The renderer (mermaid.min.js, fetched from npm by the scripts) is loaded the
// first time a diagram is drawn, not on every page; without it the Mermaid source is shown as text.
window.convoCanvas = window.convoCanvas || {};

window.convoCanvas.loadMermaid = function () {
    if (window.mermaid) {
        return Promise.resolve(true);
    }
    if (!window.convoCanvas.mermaidLoading) {
        window.convoCanvas.mermaidLoading = new Promise(function (resolve) {
            var script = document.createElement("script");
            script.src = "lib/mermaid.min.js";
            script.onload = function () {
                window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "neutral" });
                resolve(true);
            };
            script.onerror = function () { resolve(false); };
            document.head.appendChild(script);
        });
    }
    return window.convoCanvas.mermaidLoading;
};

// Draws `source` into the element with id `elementId`; answers "svg", or "source" when no renderer is available
// or the source does not parse (the text is shown instead, with the reason).
window.convoCanvas.renderMermaid = async function (elementId, source) {
    var element = document.getElementById(elementId);
    if (!element) {
        return "missing";
    }
    var available = await window.convoCanvas.loadMermaid();
    if (!available) {
        element.textContent = source;
        element.dataset.rendered = "source";
        return "source";
    }
    try {
        var counter = (window.convoCanvas.mermaidCounter = (window.convoCanvas.mermaidCounter || 0) + 1);
        var result = await window.mermaid.render(elementId + "-svg-" + counter, source);
        element.innerHTML = result.svg;
        element.dataset.rendered = "svg";
        return "svg";
    } catch (e) {
        element.textContent = source + "\n\n(Mermaid could not draw this: " + e + ")";
        element.dataset.rendered = "source";
        return "source";
    }
};
