// split_sms.js - throughput of the npm split-sms package on a corpus
//
// Usage: node bench/split_sms.js FILE [SECONDS]
// Reads NUL-separated texts, warms up, then splits every text over and
// over for at least SECONDS (default 2) and prints
// "bench: split_sms_texts_per_s VALUE texts/s" and the total segments.
'use strict';
const fs = require('fs');
const path = require('path');
const split = require(path.join(__dirname, 'node_modules', 'split-sms'));

const file = process.argv[2];
const secs = Number(process.argv[3] || 2);
const texts = fs.readFileSync(file, 'utf8').split('\0');
if (texts.length && texts[texts.length - 1] === '') texts.pop();

let segs = 0;
const once = () => {
  let s = 0;
  for (const t of texts) s += split.split(t).parts.length;
  return s;
};
once(); // warm up the JIT
const t0 = process.hrtime.bigint();
let done = 0, el = 0;
do {
  segs = once();
  done += texts.length;
  el = Number(process.hrtime.bigint() - t0) / 1e9;
} while (el < secs);
console.log(`bench: split_sms_texts_per_s ${Math.round(done / el)} texts/s`);
console.log(`bench: split_sms_corpus_segments ${segs} segments`);
