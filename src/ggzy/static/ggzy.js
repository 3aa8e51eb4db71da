// Small progressive enhancements; every page works without them.
document.addEventListener("htmx:responseError", function (ev) {
  var box = document.getElementById("flash") || document.getElementById("htmx-error");
  if (!box) return;
  try {
    var err = JSON.parse(ev.detail.xhr.responseText).error;
    var en = document.documentElement.lang === "en";
    box.className = "alert error";
    box.textContent = (en ? err.message_en : err.message) + " (" + err.code + ")";
  } catch (e) { box.className = "alert error"; box.textContent = ev.detail.xhr.statusText; }
});

// The language switch keeps the page the visitor is on, including filters htmx pushed into the URL.
document.addEventListener("click", function (ev) {
  var link = ev.target.closest && ev.target.closest("a[data-testid=lang-switch]");
  if (!link) return;
  var target = new URL(link.href, window.location.href);
  var here = new URL(window.location.href);
  here.searchParams.set("lang", target.searchParams.get("lang") || "en");
  link.href = here.pathname + here.search + here.hash;
});
