// The duty officer's inbox: ask now and then whether alerts arrived since the page was read,
// and say so in a banner with a link to show them. The page never reloads by itself, so nothing
// being typed is lost. Without this script, the "Refresh the list" link does the same by hand.
(function () {
  "use strict";
  var news = document.getElementById("inbox-news");
  if (!news || !window.fetch) {
    return;
  }
  var url = news.getAttribute("data-url");
  var seconds = Math.max(parseInt(news.getAttribute("data-seconds"), 10) || 30, 2);
  var text = news.querySelector("span");
  var timer = null;
  var shown = 0;

  function typing() {
    var fields = document.querySelectorAll("main input[type=text], main textarea");
    for (var i = 0; i < fields.length; i += 1) {
      if (fields[i].value.trim() !== "") {
        return true;
      }
    }
    return false;
  }

  function show(count) {
    shown = count;
    var message = count === 1 ? news.getAttribute("data-one") : news.getAttribute("data-many") + " " + count;
    if (typing()) {
      message += " " + news.getAttribute("data-typing");
    }
    if (text.textContent !== message) {
      text.textContent = message;
    }
    news.hidden = false;
  }

  function ask() {
    timer = null;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, redirect: "manual" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("stop"); // signed out, or a page the inbox did not expect: stop asking
        }
        return response.json();
      })
      .then(function (answer) {
        if (answer && answer["new"] > 0) {
          show(answer["new"]);
        }
        later();
      })
      .catch(function (error) {
        if (error.message !== "stop") {
          later(); // no network for now: ask again next time
        }
      });
  }

  function later() {
    if (timer === null) {
      timer = window.setTimeout(ask, seconds * 1000);
    }
  }

  document.addEventListener("input", function () {
    if (shown > 0) {
      show(shown);
    }
  });
  later();
})();
