/* Plainspoken read-along: highlight the part of the page the audio guide is reading.
   Works from disk (file://): the cue times are in the page, not fetched. Without
   JavaScript the page still has a plain player, a download link and chapter links. */
(function () {
  "use strict";
  var audio = document.querySelector("#listen audio");
  var data = document.getElementById("cues");
  if (!audio || !data) { return; }
  var cues = JSON.parse(data.textContent);
  var current = null;
  var calm = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function cueAt(time) {
    var found = null;
    for (var i = 0; i < cues.length && cues[i].start <= time; i++) { found = cues[i]; }
    return found;
  }

  function highlight(id) {
    if (id === current) { return; }
    var old = current && document.getElementById(current);
    if (old) { old.classList.remove("speaking"); }
    current = id;
    var element = id && document.getElementById(id);
    if (!element) { return; }
    element.classList.add("speaking");
    var box = element.getBoundingClientRect();
    if (!audio.paused && (box.top < 0 || box.bottom > window.innerHeight)) {
      element.scrollIntoView({block: "center", behavior: calm ? "auto" : "smooth"});
    }
  }

  audio.addEventListener("timeupdate", function () {
    var cue = cueAt(audio.currentTime);
    highlight(cue ? cue.id : null);
  });
  audio.addEventListener("ended", function () { highlight(null); });
  var links = document.querySelectorAll("#listen a[data-start]");
  for (var i = 0; i < links.length; i++) {
    links[i].addEventListener("click", function (event) {
      event.preventDefault();
      audio.currentTime = parseFloat(this.getAttribute("data-start"));
      audio.play();
    });
  }
})();
