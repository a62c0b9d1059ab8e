// Fault injection for what moto cannot do (insufficient capacity, throttling, races): an
// aws-sdk-client-mock stub on the provider's real EC2 client where only the named commands are
// faked and every other call still goes to moto.
import type { EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";

export function passthroughMock(client: EC2Client) {
  const real = client.send.bind(client) as (command: unknown) => Promise<never>;
  const stub = mockClient(client);
  // Commands without a behaviour of their own reach moto through the untouched original send.
  stub.send.callsFake((command: unknown) => real(command));
  return stub;
}

export type EC2Stub = ReturnType<typeof passthroughMock>;

/** Inputs of the calls made with a command class, from the stub's record. */
export function inputsOf<T>(stub: EC2Stub, command: abstract new (...args: never[]) => { input: T }): T[] {
  return stub
    .calls()
    .map((c) => c.args[0] as unknown)
    .filter((cmd): cmd is { input: T } => cmd instanceof command)
    .map((cmd) => cmd.input);
}

/** Sends a command through the original (unstubbed) client: the real moto answer. */
export function sendReal<T>(stub: EC2Stub, client: EC2Client, command: unknown): Promise<T> {
  return stub.send.wrappedMethod.call(client, command as never) as Promise<T>;
}
