// Diagnostic preload for a shop process (SHOP_NODE_ARGS="--require …/connection-trace.cjs"): writes to
// TRACE_FILE (default /tmp/connection-trace.log), with performance.now() timestamps, every accepted
// connection, every notify request's arrival and answer, the shop's stdout lines, event-loop delays over
// 50 ms, and a MARK per SIGWINCH (LOAD_SIGNAL_SHOP=1 sends one between phases). How bottleneck 8 in
// docs/performance.md was found.
const http = require('node:http');
const fs = require('node:fs');
const { performance, monitorEventLoopDelay } = require('node:perf_hooks');

const out = fs.createWriteStream(process.env.TRACE_FILE || '/tmp/connection-trace.log');
const now = () => performance.now().toFixed(1);
let requests = 0;
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, ...args) {
  const [req, res] = args;
  if (event === 'connection') {
    out.write(`${now()} connect ${req.remotePort}\n`);
  }
  if (event === 'request' && req.method === 'POST' && String(req.url).includes('notify')) {
    const n = ++requests;
    const arrived = performance.now();
    out.write(`${now()} arrive ${n} ${req.socket.remotePort}\n`);
    res.on('finish', () => out.write(`${now()} finish ${n} ${(performance.now() - arrived).toFixed(1)}\n`));
  }
  return emit.call(this, event, ...args);
};
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  out.write(`${now()} log ${String(chunk).slice(0, 400).replace(/\n/g, ' ')}\n`);
  return write(chunk, ...rest);
};
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
setInterval(() => {
  const maxMs = delay.max / 1e6;
  if (maxMs > 50) out.write(`${now()} event-loop-delay ${maxMs.toFixed(1)}\n`);
  delay.reset();
}, 100).unref();
process.on('SIGWINCH', () => out.write(`${now()} MARK\n`));
