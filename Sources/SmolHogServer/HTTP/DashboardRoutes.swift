// GET /: a one-page dashboard (totals, top events, a 14-day trend, latest events) that
// reads the analytics endpoints from the browser. No build step, no external assets.

import Hummingbird
import NIOCore

struct DashboardRoutes: Sendable {
    func register(on router: Router<some RequestContext>) {
        router.get("/") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: Self.page)))
        }
    }

    static let page = #"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>SmolHog</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
        body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222;max-width:1100px}
        h1{font-size:1.4rem} .cards{display:flex;gap:1rem} .card{border:1px solid #ddd;border-radius:8px;padding:1rem;min-width:10rem}
        .big{font-size:1.8rem;font-weight:600} table{border-collapse:collapse;width:100%} td,th{border-bottom:1px solid #eee;padding:4px 6px;text-align:left}
        .bar{background:#f59e0b;height:14px} code{font-size:12px;color:#555}
        </style></head><body>
        <h1>🦔 SmolHog</h1>
        <div class="cards"><div class="card">Events<div class="big" id="total">–</div></div>
        <div class="card">Unique users<div class="big" id="users">–</div></div></div>
        <h2>Top events</h2><table id="top"></table>
        <h2>Last 14 days</h2><table id="trend"></table>
        <h2>Latest events</h2><table id="events"></table>
        <script>
        const esc = s => String(s ?? "").replace(/[&<>"]/g, c => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c]));
        async function load() {
          const stats = await (await fetch("/analytics/stats")).json();
          document.getElementById("total").textContent = stats.total_events;
          document.getElementById("users").textContent = stats.unique_users;
          document.getElementById("top").innerHTML = "<tr><th>Event</th><th>Count</th></tr>" +
            stats.top_events.map(e => `<tr><td>${esc(e.event)}</td><td>${e.count}</td></tr>`).join("");
          const from = new Date(Date.now() - 13 * 86400000).toISOString().slice(0, 10) + "T00:00:00Z";
          const trend = await (await fetch("/analytics/trends?interval=day&from=" + from)).json();
          const max = Math.max(1, ...trend.points.map(p => p.events));
          document.getElementById("trend").innerHTML = "<tr><th>Day</th><th>Events</th><th>Users</th><th></th></tr>" +
            trend.points.map(p => `<tr><td>${p.bucket.slice(0, 10)}</td><td>${p.events}</td><td>${p.unique_users}</td>` +
              `<td style="width:50%"><div class="bar" style="width:${100 * p.events / max}%"></div></td></tr>`).join("");
          const page = await (await fetch("/analytics/events?limit=20")).json();
          document.getElementById("events").innerHTML = "<tr><th>Time</th><th>Event</th><th>User</th><th>Properties</th></tr>" +
            page.events.map(e => `<tr><td>${esc(e.timestamp)}</td><td>${esc(e.event_name)}</td><td>${esc(e.user_id)}</td>` +
              `<td><code>${esc(JSON.stringify(e.properties)).slice(0, 160)}</code></td></tr>`).join("");
        }
        load(); setInterval(load, 5000);
        </script></body></html>
        """#
}
