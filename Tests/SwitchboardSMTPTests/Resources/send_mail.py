#!/usr/bin/env python3
"""Sends one mail built with Python's email package to 127.0.0.1:PORT over SMTP or LMTP,
for the inbound listener's tests. Prints JSON: {"refused": {addr: [code, text]}} or
{"error": [code, text]} when the whole mail was refused.

  send_mail.py PORT smtp|lmtp FROM TO[,TO...]
"""
import json
import smtplib
import sys
from email.message import EmailMessage

port, proto, sender, rcpts = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4].split(",")
msg = EmailMessage()
msg["From"] = "Kåre Ås <%s>" % sender
msg["To"] = ", ".join(rcpts)
msg["Subject"] = "Svar: flom ved Årnes – 避難"
msg.set_content("Vi er trygge.\n.\nMvh Kåre\n")
msg.add_alternative("<p>Vi er <b>trygge</b>.</p>", subtype="html")
msg.add_attachment(bytes(range(256)) * 8, maintype="image", subtype="png", filename="bilde fra Årnes.png")

client = smtplib.LMTP("127.0.0.1", port) if proto == "lmtp" else smtplib.SMTP("127.0.0.1", port)
try:
    refused = client.send_message(msg, from_addr=sender, to_addrs=rcpts)
    print(json.dumps({"refused": {k: [v[0], v[1].decode()] for k, v in refused.items()}}))
except smtplib.SMTPRecipientsRefused as e:
    print(json.dumps({"refused": {k: [v[0], v[1].decode()] for k, v in e.recipients.items()}, "error": [550, "all refused"]}))
except smtplib.SMTPResponseException as e:
    print(json.dumps({"error": [e.smtp_code, e.smtp_error.decode()]}))
finally:
    try:
        client.quit()
    except Exception:
        pass
