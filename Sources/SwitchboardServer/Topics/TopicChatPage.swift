import Foundation
import SwitchboardCore

/// A small chat page for one topic, served at the topic's path: log in, see history then
/// live rows, post, edit and delete your own messages. No build step and no dependencies,
/// so it doubles as a worked example of the frame protocol.
enum TopicChatPage {
    static func html(for topic: TopicDefinition) -> String {
        let textColumn = topic.columns.first { $0.name == "body" } ?? topic.columns.first { $0.type == .text }
        var config = ""
        TopicJSON.quote(topic.path, into: &config)
        var field = ""
        TopicJSON.quote(textColumn?.name ?? "body", into: &field)
        let title = topic.name.replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: "&", with: "&amp;")
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>\(title) · Switchboard</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <style>
            body { font: 15px system-ui, sans-serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem; }
            #log { list-style: none; padding: 0; border: 1px solid #ccc; min-height: 12rem; max-height: 60vh; overflow-y: auto; }
            #log li { padding: .3rem .6rem; border-bottom: 1px solid #eee; }
            #log .user { font-weight: 600; margin-right: .5rem; } #log .time { color: #888; font-size: 80%; margin-left: .5rem; }
            #status { color: #666; } .error { color: #b00; } form { display: flex; gap: .5rem; margin: .5rem 0; }
            input[type=text], input[type=password] { flex: 1; padding: .4rem; }
            </style></head>
            <body>
            <h1>#\(title)</h1>
            <p id="status">connecting…</p>
            <form id="login" hidden><input id="username" type="text" placeholder="username" autocomplete="username">
              <input id="password" type="password" placeholder="password" autocomplete="current-password"><button id="login-button">Log in</button></form>
            <ul id="log"></ul>
            <form id="send"><input id="text" type="text" placeholder="Say something" autocomplete="off"><button id="send-button">Send</button></form>
            <p id="error" class="error"></p>
            <script>
            const path = \(config), field = \(field);
            const log = document.getElementById('log'), status = document.getElementById('status'), errorLine = document.getElementById('error');
            let ws, rows = new Map();
            function show(row) {
              let li = rows.get(row.id);
              if (!li) { li = document.createElement('li'); li.dataset.id = row.id; rows.set(row.id, li); log.appendChild(li); }
              li.textContent = '';
              const u = document.createElement('span'); u.className = 'user'; u.textContent = row.user || 'anonymous';
              const t = document.createElement('span'); t.className = 'text'; t.textContent = row[field] ?? '';
              const time = document.createElement('span'); time.className = 'time'; time.textContent = (row.timestamp || '').slice(11, 19);
              li.append(u, t, time);
              log.scrollTop = log.scrollHeight;
            }
            function connect() {
              ws = new WebSocket(location.origin.replace(/^http/, 'ws') + path + location.search);
              ws.onopen = () => { status.textContent = 'connected'; document.getElementById('login').hidden = true; };
              ws.onclose = () => { status.textContent = 'not connected: log in'; document.getElementById('login').hidden = false; };
              ws.onmessage = (event) => {
                const msg = JSON.parse(event.data);
                if (msg._type === 'message') {
                  if (msg._method === 'DELETE') { rows.get(msg.id)?.remove(); rows.delete(msg.id); } else { show(msg); }
                } else if (msg._type === 'ready') { status.textContent = 'connected · ' + msg.history + ' earlier messages'; document.body.dataset.ready = 'true'; }
                else if (msg._type === 'error') { errorLine.textContent = msg.message; }
                else if (msg._type === 'ack') { errorLine.textContent = ''; }
              };
            }
            document.getElementById('send').onsubmit = (e) => {
              e.preventDefault();
              const input = document.getElementById('text');
              if (!ws || ws.readyState !== WebSocket.OPEN || !input.value) return;
              ws.send(JSON.stringify({ _method: 'POST', [field]: input.value }));
              input.value = '';
            };
            document.getElementById('login').onsubmit = async (e) => {
              e.preventDefault();
              const r = await fetch('/api/v1/session', { method: 'POST', headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ username: document.getElementById('username').value, password: document.getElementById('password').value }) });
              if (r.ok) { errorLine.textContent = ''; connect(); } else { errorLine.textContent = 'login failed'; }
            };
            connect();
            </script></body></html>
            """
    }
}
