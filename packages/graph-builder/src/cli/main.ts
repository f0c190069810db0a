import { createEnhanceGraphCli } from './enhance-graph-cli.js';

// Commands from other modules are added here, one `cli.register(command)` each.
const cli = createEnhanceGraphCli();

process.exitCode = await cli.run(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
