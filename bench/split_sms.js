// split_sms.js - throughput of the npm split-sms package on a corpus
//
// Usage: node bench/split_sms.js FILE [SECONDS]
// Reads NUL-separated UTF-8 texts, warms up, then for at least SECONDS
// (default 2) takes every text from its UTF-8 bytes (as smsmilter gets
// it) and splits it, over and over. Prints
// "bench: split_sms_texts_per_s VALUE texts/s" (UTF-8 bytes in, as the
// codec is measured), "bench: split_sms_predecoded_texts_per_s" (the
// same on strings decoded beforehand) and the total segments.
'use strict';
const fs = require('fs');
const path = require('path');
const split = require(path.join(__dirname, 'node_modules', 'split-sms'));

const file = process.argv[2];
const secs = Number(process.argv[3] || 2);
const buf = fs.readFileSync(file);
const spans = [];
for (let s = 0, i = 0; i <= buf.length; i++) {
  if (i === buf.length || buf[i] === 0) {
    if (i > s || i < buf.length) spans.push([s, i]);
    s = i + 1;
  }
}
const texts = spans.map(([s, e]) => buf.toString('utf8', s, e));

const fromBytes = () => {
  let n = 0;
  for (const [s, e] of spans) n += split.split(buf.toString('utf8', s, e)).parts.length;
  return n;
};
const fromStrings = () => {
  let n = 0;
  for (const t of texts) n += split.split(t).parts.length;
  return n;
};
const rate = (fn) => {
  fn(); // warm up the JIT
  const t0 = process.hrtime.bigint();
  let done = 0, el = 0, segs = 0;
  do {
    segs = fn();
    done += spans.length;
    el = Number(process.hrtime.bigint() - t0) / 1e9;
  } while (el < secs);
  return [Math.round(done / el), segs];
};
const [bytesRate, segs] = rate(fromBytes);
const [strRate] = rate(fromStrings);
console.log(`bench: split_sms_texts_per_s ${bytesRate} texts/s`);
console.log(`bench: split_sms_predecoded_texts_per_s ${strRate} texts/s`);
console.log(`bench: split_sms_corpus_segments ${segs} segments`);
