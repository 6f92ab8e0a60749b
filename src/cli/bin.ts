#!/usr/bin/env node
/**
 * Process entry of the `focal-loss` command (package.json "bin"): hands argv and the process's
 * streams to cli/main.ts and sets the exit code. Kept to these lines; main.ts is what is tested.
 */
import { main } from './main.js';

const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
if (code !== null) process.exitCode = code;
