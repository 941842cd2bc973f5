// The reports page's charts, drawn with Chart.js from the figures the page was rendered
// with (#report-data); the tables beside them hold the same figures for everyone.
(function () {
  "use strict";
  const source = document.getElementById("report-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const labels = data.labels;
  const minutes = (s) => (s === null ? null : Math.round(s / 6) / 10);
  const options = { responsive: true, maintainAspectRatio: false, animation: false };

  const volume = data.volume;
  const before = new Map(volume.previous.by_channel.map((c) => [c.channel_id, c.messages]));
  new Chart(document.getElementById("chart-volume"), {
    type: "bar",
    data: {
      labels: volume.by_channel.map((c) => c.channel_name + " (" + c.network + ")"),
      datasets: [
        { label: labels.this_period, data: volume.by_channel.map((c) => c.messages) },
        { label: labels.previous,
          data: volume.by_channel.map((c) => before.get(c.channel_id) || 0) },
      ],
    },
    options,
  });

  const times = data.times;
  const kinds = ["first_response", "handling"];
  new Chart(document.getElementById("chart-times"), {
    type: "bar",
    data: {
      labels: kinds.flatMap((k) => [labels[k] + " p50", labels[k] + " p90"]),
      datasets: [
        { label: labels.this_period,
          data: kinds.flatMap((k) => [minutes(times[k].p50), minutes(times[k].p90)]) },
        { label: labels.previous,
          data: kinds.flatMap((k) => [minutes(times.previous[k].p50),
                                      minutes(times.previous[k].p90)]) },
      ],
    },
    options,
  });
})();
