/**
 * Writing a report to a file: whole or not at all (a temporary file in the
 * same folder, then a link or rename), and never over an existing file
 * unless --force says so. A cron job that runs twice keeps the first report.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CliError } from './errors';

export async function writeOutFile(file: string, text: string, force: boolean): Promise<void> {
  const target = path.resolve(file);
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await fs.writeFile(temp, text, { encoding: 'utf8', flag: 'wx' });
  } catch (err) {
    throw new CliError(`cannot write ${target}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    if (force) await fs.rename(temp, target);
    else {
      // link() fails when the name exists: no window in which another writer could be overwritten.
      try {
        await fs.link(temp, target);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') throw new CliError(`${target} exists: give --force to replace it, or another --out`);
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV') throw err;
        // A file system without hard links: create exclusively instead.
        await fs.writeFile(target, text, { encoding: 'utf8', flag: 'wx' }).catch((e: NodeJS.ErrnoException) => {
          throw e.code === 'EEXIST' ? new CliError(`${target} exists: give --force to replace it, or another --out`) : e;
        });
      }
    }
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`cannot write ${target}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  } finally {
    await fs.rm(temp, { force: true });
  }
}
