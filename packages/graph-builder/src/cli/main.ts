import { KERAS_CLI_COMMANDS } from '../keras/keras-cli-commands.js';
import { createEnhanceGraphCli } from './enhance-graph-cli.js';

const cli = createEnhanceGraphCli();
for (const command of KERAS_CLI_COMMANDS) cli.register(command);

process.exitCode = await cli.run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
