// Diagnostic preload for a shop process (SHOP_NODE_ARGS="--expose-gc --require …/memory-probe.cjs" with
// LOAD_SIGNAL_SHOP=1): on each SIGWINCH (between phases) a full GC, then one line of process.memoryUsage()
// in MiB appended to MEMORY_PROBE_FILE (default /tmp/memory-probe.log). The heap after a full GC shows
// what is retained; RSS alone also counts what V8 and malloc keep for later.
const fs = require('node:fs');

process.on('SIGWINCH', () => {
  if (global.gc) {
    global.gc();
    global.gc();
  }
  const m = process.memoryUsage();
  const mib = n => (n / 1048576).toFixed(1);
  fs.appendFileSync(
    process.env.MEMORY_PROBE_FILE || '/tmp/memory-probe.log',
    `${new Date().toISOString()} rss ${mib(m.rss)} heapUsed ${mib(m.heapUsed)} heapTotal ${mib(m.heapTotal)} external ${mib(m.external)}\n`,
  );
});
