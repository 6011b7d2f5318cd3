// napci: small enhancements of pages that work without script.
// Served by the application itself; no network access of its own.
(function () {
  "use strict";

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : all;
    });
  }

  // Silence countdowns: <span data-countdown-end="2026-12-14T00:00:00Z"
  // data-template="{d} d {h} h {m} min left" data-passed="...">.
  function tick(el) {
    var end = Date.parse(el.getAttribute("data-countdown-end"));
    if (isNaN(end)) {
      return;
    }
    var left = Math.floor((end - Date.now()) / 1000);
    if (left <= 0) {
      el.textContent = el.getAttribute("data-passed") || "";
      el.classList.add("passed");
      return;
    }
    var d = Math.floor(left / 86400);
    var h = Math.floor((left % 86400) / 3600);
    var m = Math.floor((left % 3600) / 60);
    var s = left % 60;
    el.textContent = fill(el.getAttribute("data-template") || "", { d: d, h: h, m: m, s: s });
  }

  function countdowns() {
    var els = document.querySelectorAll("[data-countdown-end]");
    if (!els.length) {
      return;
    }
    var all = function () {
      for (var i = 0; i < els.length; i++) {
        tick(els[i]);
      }
    };
    all();
    window.setInterval(all, 1000);
  }

  // The tabling form: show only the fields of the chosen kind.
  function kindFields() {
    var selects = document.querySelectorAll("select[data-kind-switch]");
    Array.prototype.forEach.call(selects, function (select) {
      var form = select.form;
      var update = function () {
        var groups = form.querySelectorAll("[data-kind]");
        Array.prototype.forEach.call(groups, function (group) {
          group.hidden = group.getAttribute("data-kind") !== select.value;
        });
      };
      select.addEventListener("change", update);
      update();
    });
  }

  // "Mark all" buttons for attendance: <button data-mark="attended">.
  function markAll() {
    var buttons = document.querySelectorAll("button[data-mark]");
    Array.prototype.forEach.call(buttons, function (button) {
      button.hidden = false;
      button.addEventListener("click", function (event) {
        event.preventDefault();
        var value = button.getAttribute("data-mark");
        var scope = button.getAttribute("data-scope") || "";
        var radios = button.form.querySelectorAll(
          'input[type="radio"][value="' + value + '"]' + (scope ? "[data-" + scope + "]" : "")
        );
        Array.prototype.forEach.call(radios, function (radio) {
          radio.checked = true;
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    countdowns();
    kindFields();
    markAll();
  });
})();
