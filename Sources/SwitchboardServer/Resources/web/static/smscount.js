// SMS counting as the hub counts it (SMSEncoding.swift, 3GPP TS 23.038/23.040): the text in
// NFC; GSM-7 while every character is in the default alphabet or its extension table (which
// costs two septets), else UCS-2 in UTF-16 units; 160/70 units in one SMS, 153/67 per part
// of a longer one, a part never split inside an escape pair or a surrogate pair.
const BASIC = new Set(Array.from(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'));
const EXTENSION = new Set(Array.from('\f^{}\\[~]|€'));

function septets(codePoint) {
  if (BASIC.has(codePoint)) return 1;
  if (EXTENSION.has(codePoint)) return 2;
  return null;
}

function graphemes(text) {
  if (typeof Intl !== 'undefined' && Intl.Segmenter) {
    return Array.from(new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text), (s) => s.segment);
  }
  return Array.from(text);
}

export function smsCount(text) {
  const normalized = text.normalize('NFC');
  const nonGsm = [];
  for (const g of graphemes(normalized)) {
    if (Array.from(g).some((c) => septets(c) === null) && !nonGsm.includes(g)) nonGsm.push(g);
  }
  const gsm = nonGsm.length === 0;
  const units = Array.from(normalized, (c) => (gsm ? septets(c) : c.codePointAt(0) > 0xffff ? 2 : 1));
  const total = units.reduce((a, b) => a + b, 0);
  const single = gsm ? 160 : 70;
  const part = gsm ? 153 : 67;
  if (total <= single) {
    return { encoding: gsm ? 'gsm7' : 'ucs2', units: total, parts: 1, perPart: single, remaining: single - total, nonGsm };
  }
  let parts = 1;
  let used = 0;
  for (const u of units) {
    if (used + u > part) {
      parts += 1;
      used = 0;
    }
    used += u;
  }
  return { encoding: gsm ? 'gsm7' : 'ucs2', units: total, parts, perPart: part, remaining: part - used, nonGsm };
}
