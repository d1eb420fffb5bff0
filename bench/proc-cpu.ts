/**
 * CPU time from /proc (Linux), in seconds of user + system time, for benches that weigh a tool's
 * CPU beside the registries'. /proc/<pid>/stat counts in clock ticks of 1/100 s.
 */
import { readFile } from 'node:fs/promises';

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces): index 0 is the state, field 3. */
async function statFields(pid: number | 'self'): Promise<string[]> {
  return (await readFile(`/proc/${pid}/stat`, 'utf8')).replace(/^.*\) /s, '').split(' ');
}

/** Of the child processes this one has waited for (cutime + cstime, fields 16 and 17): the tools' runs. */
export async function childrenCpuSeconds(): Promise<number> {
  const fields = await statFields('self');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/** Of process `pid` itself (utime + stime, fields 14 and 15). */
export async function processCpuSeconds(pid: number): Promise<number> {
  const fields = await statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
