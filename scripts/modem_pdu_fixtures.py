#!/usr/bin/env python3
"""Writes Tests/SwitchboardModemTests/Resources/pdu-fixtures.json: PDUs made and read by
codecs that are not ours, for the Swift PDU codec's tests (a Swift test cannot call Python).

- submit: SMS-SUBMIT PDUs made by python-gsmmodem-new's `encodeSmsSubmitPdu`; the Swift
  encoder must produce the same octets for the same text, number and options. Each is also
  read back with smspdudecoder, and its text must come out as given.
- deliver: SMS-DELIVER PDUs assembled from python-gsmmodem-new's field encoders (address,
  timestamp, GSM 7-bit packing, UCS-2) - neither library has an SMS-DELIVER encoder - and
  checked by decoding them with both smspdudecoder and gsmmodem; the Swift decoder must
  read the same sender, text, time and concatenation.
- status: SMS-STATUS-REPORT PDUs assembled the same way and read back by gsmmodem.

Usage: pip install smspdudecoder python-gsmmodem-new && python3 scripts/modem_pdu_fixtures.py
"""

import json
import pathlib
from datetime import datetime, timedelta, timezone

from gsmmodem import pdu as gp
from smspdudecoder.easy import read_incoming_sms

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/SwitchboardModemTests/Resources/pdu-fixtures.json"

LONG_GSM = "Alarm: pump 3 stopped at Ullevaal. " * 6 + "{end}"
LONG_UCS2 = "Ærlig talt – strømbrudd på Ålesund sykehus, ring vakta ☎ nå. " * 3

SUBMIT = [
    dict(name="plain", number="+4712345678", text="Hello world", reference=0, validity=None, report=True),
    dict(name="no-report", number="+4712345678", text="Hei", reference=0, validity=None, report=False),
    dict(name="extension", number="+4798765432", text="Price: 12€ [a|b] {c} ~^\\", reference=0, validity=None, report=True),
    dict(name="validity-1h", number="+4712345678", text="Valid one hour", reference=0, validity=3600, report=True),
    dict(name="validity-2d", number="+4712345678", text="Valid two days", reference=0, validity=2 * 86400, report=True),
    dict(name="ucs2", number="+4712345678", text="Привет, ☎", reference=0, validity=None, report=True),
    dict(name="odd-digits", number="+471234567", text="@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ", reference=0, validity=None, report=True),
    dict(name="exactly-160", number="+4712345678", text="x" * 160, reference=0, validity=None, report=True),
    dict(name="long-gsm", number="+4712345678", text=LONG_GSM, reference=42, validity=None, report=True),
    dict(name="long-ucs2", number="+4712345678", text=LONG_UCS2, reference=7, validity=None, report=True),
]


def submit_case(c):
    validity = timedelta(seconds=c["validity"]) if c["validity"] else None
    pdus = gp.encodeSmsSubmitPdu(c["number"], c["text"], reference=c["reference"], validity=validity,
                                 requestStatusReport=c["report"])
    texts = []
    for p in pdus:
        decoded = gp.decodeSmsPdu(bytes(p.data).hex())
        texts.append(decoded["text"])
    assert "".join(texts) == c["text"], (c["name"], texts)
    return dict(c, pdus=[dict(hex=bytes(p.data).hex().upper(), tpduLength=p.tpduLength) for p in pdus])


def address(addr):
    return bytes(gp._encodeAddressField(addr))


def deliver_pdu(sender, text, when, ucs2=False, concat=None, eight_bit=None, smsc="+4790002100"):
    first = 0x04  # SMS-DELIVER, no more messages to send
    udh = b""
    if concat:
        first |= 0x40
        ref, total, seq = concat
        udh = bytes([0x00, 0x03, ref, total, seq])  # one element: 8-bit reference concatenation
    if eight_bit is not None:
        dcs, body = 0x04, (bytes([len(udh)]) + udh if udh else b"") + eight_bit
        udl = len(body)
    elif ucs2:
        dcs = 0x08
        body = (bytes([len(udh)]) + udh if udh else b"") + bytes(gp.encodeUcs2(text))
        udl = len(body)
    else:
        dcs = 0x00
        septets = gp.encodeGsm7(text)
        if udh:
            header = bytes([len(udh)]) + udh
            header_septets = (len(header) * 8 + 6) // 7
            fill = header_septets * 7 - len(header) * 8
            # gsmmodem's padBits is the septet shift, not the fill: 7 - fill (as its own encoder passes it)
            body = header + bytes(gp.packSeptets(septets, padBits=(7 - fill) % 7))
            udl = header_septets + len(septets)
        else:
            body = bytes(gp.packSeptets(septets))
            udl = len(septets)
    tpdu = bytes([first]) + address(sender) + bytes([0x00, dcs]) + bytes(gp._encodeTimestamp(when)) + bytes([udl]) + body
    return (bytes(gp._encodeAddressField(smsc, smscField=True)) + tpdu).hex().upper(), len(tpdu)


OSLO = timezone(timedelta(hours=2))
NEWYORK = timezone(timedelta(hours=-5))
WHEN = datetime(2026, 6, 5, 14, 30, 15, tzinfo=OSLO)

DELIVER = [
    dict(name="gsm7-international", sender="+4712345678", text="Hello from the field, all well", when=WHEN),
    dict(name="gsm7-extension", sender="+4712345678", text="Kurs: 12€ [ok]", when=WHEN),
    dict(name="national", sender="12345678", text="national sender", when=datetime(2025, 12, 31, 23, 59, 59, tzinfo=NEWYORK)),
    dict(name="alphanumeric", sender="InfoAlert", text="Your code is 1234", when=WHEN),
    dict(name="ucs2", sender="+4712345678", text="Привет мир ☎", when=WHEN, ucs2=True),
    dict(name="eight-bit", sender="+4712345678", text="binary", when=WHEN, eight_bit=b"binary"),
    dict(name="concat-gsm7-2of3", sender="+4712345678", text="second part text, seven-bit with fill bits", when=WHEN,
         concat=(99, 3, 2)),
    dict(name="concat-ucs2-1of2", sender="+4712345678", text="første del ☎", when=WHEN, ucs2=True, concat=(5, 2, 1)),
]


def deliver_case(c):
    hexpdu, length = deliver_pdu(c["sender"], c["text"], c["when"], ucs2=c.get("ucs2", False), concat=c.get("concat"),
                                 eight_bit=c.get("eight_bit"))
    ours = gp.decodeSmsPdu(hexpdu)
    assert ours["number"] == c["sender"] and ours["text"] == c["text"], (c["name"], ours)
    theirs = read_incoming_sms(hexpdu)
    if c.get("eight_bit") is None:
        assert theirs["content"] == c["text"], (c["name"], theirs)
    out = dict(name=c["name"], hex=hexpdu, tpduLength=length, sender=c["sender"], text=c["text"],
               epoch=int(c["when"].timestamp()), alphanumeric=not c["sender"].lstrip("+").isdigit())
    if c.get("concat"):
        out["concat"] = dict(zip(("reference", "total", "sequence"), c["concat"]))
    return out


def status_case(name, reference, recipient, status):
    first = 0x06  # SMS-STATUS-REPORT, TP-MMS
    tpdu = (bytes([first, reference]) + address(recipient) + bytes(gp._encodeTimestamp(WHEN))
            + bytes(gp._encodeTimestamp(WHEN + timedelta(seconds=5))) + bytes([status]))
    hexpdu = ("00" + tpdu.hex()).upper()
    decoded = gp.decodeSmsPdu(hexpdu)
    assert decoded["reference"] == reference and decoded["status"] == status, decoded
    return dict(name=name, hex=hexpdu, tpduLength=len(tpdu), reference=reference, recipient=recipient, status=status,
                epoch=int(WHEN.timestamp()))


def main():
    data = dict(
        submit=[submit_case(c) for c in SUBMIT],
        deliver=[deliver_case(c) for c in DELIVER],
        status=[status_case("delivered", 17, "+4712345678", 0x00), status_case("still-trying", 18, "+4712345678", 0x30),
                status_case("failed", 200, "+4712345678", 0x41)],
    )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
