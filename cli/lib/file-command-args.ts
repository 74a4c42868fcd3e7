/**
 * The command line shared by the commands that take one backup file (`restore`, `verify`): their own
 * flags plus `--help`, and exactly one file. A usage error prints "Cannot <verb>: …" and the usage line,
 * and ends with exit code 2; `--help` prints the usage line and ends with 0.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;
type Values<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; allowPositionals: true; options: O & { help: { type: "boolean" } } }>
>["values"];

/** The file and the flags to go on with, or the exit code to end with (usage already printed). */
export type FileCommandArgs<O extends Options> = { path: string; values: Values<O> } | { exitCode: number };

export function parseFileCommandArgs<O extends Options>(
  args: string[],
  { verb, usage, options }: { verb: string; usage: string; options: O },
): FileCommandArgs<O> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { ...options, help: { type: "boolean" as const } },
    });
  } catch (error) {
    console.error(`Cannot ${verb}: ${(error as Error).message}\n${usage}`);
    return { exitCode: 2 };
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage);
    return { exitCode: 0 };
  }
  if (parsed.positionals.length !== 1) {
    console.error(`Cannot ${verb}: give exactly one backup file\n${usage}`);
    return { exitCode: 2 };
  }
  return { path: parsed.positionals[0], values: parsed.values as Values<O> };
}
