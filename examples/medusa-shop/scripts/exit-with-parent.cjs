// @ts-check
/**
 * Preloaded (`node -r`) into every Medusa command `start.ts` runs. When `start.ts` dies without stopping
 * its children (SIGKILL, out of memory), a child is re-parented; it then stops itself the way a SIGTERM
 * would stop it, instead of holding the port and the database as an orphan. Forked Medusa commands
 * inherit the preload, so each watches its own parent.
 */
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) process.kill(process.pid, 'SIGTERM');
}, 1000).unref();
