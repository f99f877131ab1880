// The query editor's behaviour, a static file so that the Content-Security-Policy
// can forbid inline scripts. With YASGUI loaded it replaces the plain form (kept for
// browsers without JavaScript); without it, the example picker fills the plain form.
(function () {
  if (typeof Yasgui === "undefined") {
    plainForm();
    return;
  }
  yasguiEditor();

  function plainForm() {
    var config = JSON.parse(document.getElementById("editor-config").textContent);
    var picker = document.getElementById("example-picker");
    if (picker) picker.addEventListener("change", function () {
      document.getElementById("query-text").value = config.examples[picker.value];
    });
  }

  function yasguiEditor() {
    var YasguiEditor = Yasgui.default || Yasgui;  // the UMD bundle exports a module object
    var config = JSON.parse(document.getElementById("editor-config").textContent);
    var endpoint = new URL(config.endpoint, window.location.href).href;
    document.getElementById("plain-form").hidden = true;
    var results = document.getElementById("plain-results");
    if (results) results.hidden = true;
    var yasgui = new YasguiEditor(document.getElementById("yasgui"), {
      requestConfig: { endpoint: endpoint, method: "POST" },
      copyEndpointOnNewTab: false,
      persistencyExpire: 0
    });
    var tab = yasgui.getTab();
    var yasqe = tab.getYasqe();
    yasqe.addPrefixes(config.prefixes);
    // A permalink (YASGUI's share link) fills the tab itself; otherwise start from the given query.
    if (!window.location.hash) yasqe.setValue(config.query);
    // The row cap is said in a response header; show it above the results.
    var notice = document.getElementById("truncation-notice");
    function watchTruncation(editor) {
      if (!editor || editor.claimgraphWatched) return;
      editor.claimgraphWatched = true;
      editor.on("queryResponse", function (_editor, response) {
        var headers = response && response.headers;
        notice.hidden = !(headers && typeof headers.get === "function" && headers.get("X-Result-Truncated"));
      });
    }
    watchTruncation(yasqe);
    yasgui.on("tabSelect", function () { setTimeout(function () { watchTruncation(yasgui.getTab().getYasqe()); }, 0); });
    var picker = document.getElementById("example-picker");
    if (picker) picker.addEventListener("change", function () {
      yasgui.getTab().getYasqe().setValue(config.examples[picker.value]);
    });
  }
})();
