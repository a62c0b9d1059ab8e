// Reads SSM parameters (AMI aliases, ssmParameter selector terms), cached: a pinned alias never
// changes, "latest" and user parameters may, so they are re-read more often.
import { GetParameterCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { type Clock, TTLCache, systemClock } from "../cache.js";
import { isNotFound } from "../errors.js";

export const MUTABLE_PARAMETER_TTL_MS = 5 * 60_000;
export const IMMUTABLE_PARAMETER_TTL_MS = 24 * 60 * 60_000;

export class ParameterReader {
  private readonly cache: TTLCache<string | null>;

  constructor(
    private readonly ssm: SSMClient,
    clock: Clock = systemClock,
  ) {
    this.cache = new TTLCache(MUTABLE_PARAMETER_TTL_MS, clock);
  }

  /** The parameter's value, or undefined if it does not exist. Other errors are thrown. */
  async get(name: string, mutable: boolean): Promise<string | undefined> {
    const hit = this.cache.get(name);
    if (hit !== undefined) return hit ?? undefined;
    try {
      const res = await this.ssm.send(new GetParameterCommand({ Name: name }));
      const value = res.Parameter?.Value;
      this.cache.set(name, value ?? null, mutable ? MUTABLE_PARAMETER_TTL_MS : IMMUTABLE_PARAMETER_TTL_MS);
      return value;
    } catch (err) {
      if (isNotFound(err)) {
        this.cache.set(name, null, MUTABLE_PARAMETER_TTL_MS);
        return undefined;
      }
      throw err;
    }
  }
}
