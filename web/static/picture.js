// The provenance picture's zoom buttons and drag-to-pan (templates/_picture.html). Without
// JavaScript the picture is shown at its own size in a box that scrolls both ways.
(function () {
  document.querySelectorAll(".provenance-picture").forEach(function (figure) {
    var box = figure.querySelector(".picture-scroll");
    var img = box && box.querySelector("img");
    var tools = figure.querySelector(".picture-tools");
    if (!img || !tools) return;
    var scale = 1;
    function natural() { return img.naturalWidth || img.width; }
    function zoom(to) {
      scale = Math.min(4, Math.max(0.1, to));
      img.style.width = Math.round(natural() * scale) + "px";
      img.style.maxWidth = "none";
    }
    tools.hidden = false;
    tools.addEventListener("click", function (event) {
      var what = event.target.getAttribute("data-zoom");
      if (what === "in") zoom(scale * 1.25);
      else if (what === "out") zoom(scale / 1.25);
      else if (what === "fit") zoom(box.clientWidth / natural());
      else if (what === "actual") zoom(1);
    });
    // Drag with a mouse to pan; touch screens pan the scrolling box themselves.
    var drag = null;
    box.addEventListener("pointerdown", function (event) {
      if (event.pointerType !== "mouse" || event.button !== 0) return;
      drag = { x: event.clientX, y: event.clientY, left: box.scrollLeft, top: box.scrollTop };
      box.classList.add("dragging");
      event.preventDefault();
    });
    window.addEventListener("pointermove", function (event) {
      if (!drag) return;
      box.scrollLeft = drag.left - (event.clientX - drag.x);
      box.scrollTop = drag.top - (event.clientY - drag.y);
    });
    window.addEventListener("pointerup", function () {
      drag = null;
      box.classList.remove("dragging");
    });
  });
})();
