// Process entry point: `node dist/main.js <command>` (bin/hearth.js) or `tsx src/main.ts` in tests.
import { main } from './cli.js';

process.on('uncaughtException', (err) => {
  // One line, no stack: the operator needs what failed, not where in our code.
  process.stderr.write(`hearth: fatal error: ${err.message}\n`);
  process.exit(1);
});

process.exitCode = await main(process.argv.slice(2));
