// Clock probe for measure-timeline.py: a Node process with worker threads.
// Same commands as probe.py (read N, cost N, wait MS, spin MS).
"use strict";
const { Worker } = require("node:worker_threads");
const readline = require("node:readline");

const readerSource = `
const { parentPort, workerData } = require("node:worker_threads");
let lo = Infinity, hi = 0;
for (let i = 0; i < workerData; i++) { const t = Date.now() / 1000; if (t < lo) lo = t; if (t > hi) hi = t; }
parentPort.postMessage([lo, hi]);`;

function read(n) {
  const runs = [0, 1, 2, 3].map(() => new Promise((done) => {
    new Worker(readerSource, { eval: true, workerData: n }).on("message", done);
  }));
  return Promise.all(runs).then((seen) =>
    `${Math.min(...seen.map((s) => s[0])).toFixed(6)} ${Math.max(...seen.map((s) => s[1])).toFixed(6)}`);
}
function cost(n) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) Date.now();
  return Promise.resolve((Number(process.hrtime.bigint() - start) / n).toFixed(0));
}
function wait(ms) {
  const start = performance.now();
  return new Promise((done) => setTimeout(() => done((performance.now() - start).toFixed(1)), ms));
}
function spin(ms) {
  const start = Date.now();
  let x = 0;
  for (let i = 0; i < ms * 400000; i++) x += i;
  return Promise.resolve(String(Date.now() - start + (x < 0 ? 1 : 0)));
}
const ops = { read, cost, wait, sleep: wait, spin };
readline.createInterface({ input: process.stdin }).on("line", async (line) => {
  const [op, arg] = line.split(" ");
  console.log(await ops[op](Number(arg)));
});
