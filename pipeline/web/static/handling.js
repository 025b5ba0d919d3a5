// 办理 panel (issue 16): a refused step (409: not from this state, 403: not by you, 400: a field
// missing) comes back as the panel with the Chinese reason, marked by the X-Wenshu-Panel header;
// htmx 2 does not swap 4xx answers by itself, so swap these (and only these: a 403 error page for
// an expired session is not put inside the panel). Loaded once by the 文件 page, outside the
// swapped section.
(function () {
  if (window.wenshuHandling) { return; }
  window.wenshuHandling = true;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status >= 400 && xhr.status < 500 && xhr.getResponseHeader("X-Wenshu-Panel") === "1") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
