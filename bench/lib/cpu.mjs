// CPU accounting from /proc (Linux), to see who used the cores during a run.
// Every function returns null where /proc is unavailable.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let clockTicks;
const ticks = () => (clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100);

/** CPU seconds (user + system) a process has used so far. */
export function processCpuSeconds(pid) {
  try {
    // Fields after the ")" that ends the command name: utime is #14, stime #15 overall.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticks();
  } catch {
    return null;
  }
}

/** Non-idle CPU seconds of the whole machine so far (all cores). */
export function machineBusySeconds() {
  try {
    const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = values.map(Number);
    return (user + nice + system + irq + softirq + steal) / ticks();
  } catch {
    return null;
  }
}

/** Starts a CPU meter; stop() returns percentages of one core over the elapsed wall time. */
export function startCpuMeter(serverPid) {
  const t0 = performance.now();
  const server0 = processCpuSeconds(serverPid);
  const machine0 = machineBusySeconds();
  const own0 = process.cpuUsage();
  return () => {
    const wall = (performance.now() - t0) / 1000;
    const own = process.cpuUsage(own0);
    const pct = (sec) => (100 * sec) / wall;
    const server = server0 == null ? null : pct(processCpuSeconds(serverPid) - server0);
    const loadgen = pct((own.user + own.system) / 1e6);
    const machine = machine0 == null ? null : pct(machineBusySeconds() - machine0);
    // Whatever else ran on the box (other builds, tests): it skews the numbers.
    const other = server == null || machine == null ? null : Math.max(0, machine - server - loadgen);
    return { server, loadgen, other };
  };
}
