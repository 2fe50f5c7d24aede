/**
 * `coroutine-lens check [PATH…]`: the command-line wrapper over the analysis engine, for CI.
 * Exit codes: 0 clean, 1 findings, 2 usage or configuration error.
 */
import { ENGINE_VERSION } from './analysis/version';

const USAGE = `usage: coroutine-lens check [options] [PATH...]
       coroutine-lens --version`;

function main(argv: string[]): number {
  const [command] = argv;
  if (command === '--version') {
    process.stdout.write(`coroutine-lens ${ENGINE_VERSION}\n`);
    return 0;
  }
  if (command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

process.exitCode = main(process.argv.slice(2));
