/** Pieces the command definitions share: option parsers and the action wrapper. */
import { InvalidArgumentError, type Command } from "commander";

export function parsePort(value: string): string {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535)
    throw new InvalidArgumentError("expected a port number 0-65535.");
  return value;
}

export function parseCount(value: string): string {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("expected a whole number, 0 or more.");
  return value;
}

export function parseSeconds(value: string): string {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("expected a whole number of seconds.");
  return value;
}

/** Actions receive their arguments then (options, command); the options are what we need. */
type Action<A extends unknown[]> = (...args: A) => Promise<void>;

/**
 * Commander calls actions with (...args, options, command). Pass the args and
 * the options merged with those given before the subcommand
 * (`roster --org acme members list`), the subcommand's own winning.
 */
export function act<A extends unknown[]>(fn: Action<A>): (...args: unknown[]) => Promise<void> {
  return (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    return fn(...([...args.slice(0, -2), cmd.optsWithGlobals()] as A));
  };
}

/**
 * The action of a command whose module is imported only when it runs (so
 * `roster --help` loads none): `load` imports it and returns the function,
 * which gets the command's arguments and options as `act` passes them.
 */
export function lazyAct<A extends unknown[]>(
  load: () => Promise<(...args: A) => Promise<void>>,
): (...args: unknown[]) => Promise<void> {
  return act(async (...args: A) => (await load())(...args));
}
