/**
 * `npm run services`: start the five throwaway servers, print how to reach
 * them, keep them up until Ctrl-C, then remove them.
 */
import { describeServices, startServices } from './index';

async function main(): Promise<void> {
  const services = await startServices();
  console.log(`Services are up (addresses also in ${services.file}):\n${describeServices(services.info)}\nPress Ctrl-C to stop them.`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    console.log('Stopping services…');
    void services.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (process.argv.includes('--check')) stop();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
