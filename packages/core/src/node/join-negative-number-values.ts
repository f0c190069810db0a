/**
 * node:util parseArgs reads `--scale -1` as an option missing its value (a value may not start with a
 * dash unless joined by '='), so the user would hear "argument is ambiguous" instead of why -1 is wrong.
 * For options that take numbers, a following argument that reads as a negative number is joined
 * (`--scale=-1`), and the option's own check then says what it expects.
 */
export function joinNegativeNumberValues(args: readonly string[], numericOptions: readonly string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      joined.push(...args.slice(i));
      break;
    }
    const next = args[i + 1];
    if (numericOptions.includes(arg) && next !== undefined && next.startsWith('-') && !Number.isNaN(Number(next))) {
      joined.push(`${arg}=${next}`);
      i++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}
