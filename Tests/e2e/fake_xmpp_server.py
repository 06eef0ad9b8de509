"""A scripted XMPP server on a raw socket, for what a real server never sends: a malformed
stanza or an XML bomb in the middle of a session. It speaks just enough XMPP (plain stream,
SCRAM-SHA-1 checked against our own Python implementation of RFC 5802, bind, XEP-0198) for
the hub to get ready, and records everything the hub wrote."""
import base64
import hashlib
import hmac
import re
import socket
import threading

HEADER = ("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'"
          " id='fake' from='localhost' version='1.0'>")
ELEMENT = re.compile(rb"\s*(<\?xml[^>]*\?>|<stream:stream[^>]*>|</stream:stream>|<([\w:]+)[^>]*/>|<([\w:]+)[^>]*>.*?</\3>)", re.S)


class FakeXMPPServer:
    def __init__(self, password, on_ready=lambda c: None, answer_pings=True):
        """`on_ready(connection)` runs once per session that got ready; it may send and wait."""
        self.answer_pings = answer_pings
        self.password = password.encode()
        self.on_ready = on_ready
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.connections = []
        self.lock = threading.Condition()
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            c = Connection(self, conn)
            with self.lock:
                self.connections.append(c)
                self.lock.notify_all()
            threading.Thread(target=c.serve, daemon=True).start()

    def messages(self):
        """Bodies of every message the hub sent, over all connections."""
        with self.lock:
            return [m for c in self.connections for m in c.messages]

    def stop(self):
        self.sock.close()
        for c in self.connections:
            c.close()


class Connection:
    def __init__(self, server, sock):
        self.server = server
        self.sock = sock
        self.sock.settimeout(30)
        self.buffer = b""
        self.written = []  # every element the hub wrote, as text
        self.messages = []
        self.received = 0  # stanzas since <enable/>, for <a h/>
        self.sm = False
        self.authenticated = False
        self.closed = threading.Event()

    def send(self, text):
        self.sock.sendall(text.encode())

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def next_element(self):
        while True:
            m = ELEMENT.match(self.buffer)
            if m:
                self.buffer = self.buffer[m.end():]
                text = m.group(1).decode()
                with self.server.lock:
                    self.written.append(text)
                    self.server.lock.notify_all()
                return text
            data = self.sock.recv(65536)
            if not data:
                raise EOFError
            self.buffer += data

    def wait_for(self, predicate):
        """The next element the hub writes that satisfies `predicate`, handling the rest."""
        while True:
            element = self.next_element()
            if predicate(element):
                return element
            self.handle(element)

    def serve(self):
        try:
            while True:
                self.handle(self.next_element())
        except (EOFError, OSError):
            pass
        finally:
            self.closed.set()
            self.close()

    def handle(self, e):
        if e.startswith("<stream:stream"):
            if self.authenticated:
                self.send(HEADER + "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
                          "<sm xmlns='urn:xmpp:sm:3'/></stream:features>")
            else:
                self.send(HEADER + "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
                          "<mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>")
        elif e.startswith("<auth"):
            first = base64.b64decode(re.search(r">([^<]*)<", e).group(1)).decode()
            self.client_first_bare = first[3:]
            self.nonce = dict(p.split("=", 1) for p in self.client_first_bare.split(","))["r"] + "fake-server-nonce"
            self.salt = b"switchboard-salt"
            self.server_first = f"r={self.nonce},s={base64.b64encode(self.salt).decode()},i=4096"
            self.send(f"<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{base64.b64encode(self.server_first.encode()).decode()}</challenge>")
        elif e.startswith("<response"):
            final = base64.b64decode(re.search(r">([^<]*)<", e).group(1)).decode()
            without_proof, proof = final.rsplit(",p=", 1)
            auth = f"{self.client_first_bare},{self.server_first},{without_proof}".encode()
            salted = hashlib.pbkdf2_hmac("sha1", self.server.password, self.salt, 4096)
            client_key = hmac.new(salted, b"Client Key", hashlib.sha1).digest()
            signature = hmac.new(hashlib.sha1(client_key).digest(), auth, hashlib.sha1).digest()
            if bytes(a ^ b for a, b in zip(client_key, signature)) != base64.b64decode(proof):
                self.send("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>")
                return
            server_sig = hmac.new(hmac.new(salted, b"Server Key", hashlib.sha1).digest(), auth, hashlib.sha1).digest()
            self.authenticated = True
            self.send(f"<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{base64.b64encode(b'v=' + base64.b64encode(server_sig)).decode()}</success>")
        elif e.startswith("<resume"):
            self.send("<failed xmlns='urn:xmpp:sm:3'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>")
        elif e.startswith("<enable"):
            self.sm = True
            self.send("<enabled xmlns='urn:xmpp:sm:3' id='fake-sm' resume='true'/>")
        elif e.startswith("<r "):
            self.send(f"<a xmlns='urn:xmpp:sm:3' h='{self.received}'/>")
        elif e.startswith(("<iq", "<presence", "<message")):
            if self.sm:
                self.received += 1
            if "id='bind-1'" in e:
                self.send("<iq type='result' id='bind-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                          "<jid>hub@localhost/switchboard</jid></bind></iq>")
            elif "<ping xmlns='urn:xmpp:ping'/>" in e:
                if self.server.answer_pings:
                    ping_id = re.search(r"id='([^']*)'", e).group(1)
                    self.send(f"<iq type='result' id='{ping_id}' from='localhost'/>")
            elif "id='roster-1'" in e:
                self.send("<iq type='result' id='roster-1'><query xmlns='jabber:iq:roster'/></iq>")
            elif e == "<presence/>":
                threading.Thread(target=self.server.on_ready, args=(self,), daemon=True).start()
            elif e.startswith("<message"):
                body = re.search(r"<body>(.*?)</body>", e, re.S)
                if body:
                    with self.server.lock:
                        self.messages.append(body.group(1))
                        self.server.lock.notify_all()
