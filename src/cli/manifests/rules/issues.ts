// What an API-server rule finds: the field (kubectl's path notation) and what is wrong with it.
import { quote } from "../../safe-text.js";

export interface Issue {
  path: string;
  message: string;
}

export type Issues = Issue[];

/** Field path helpers: `spec.containers[0].resources.requests.cpu`. */
export const child = (path: string, key: string): string => (path === "" ? key : `${path}.${key}`);
export const index = (path: string, i: number): string => `${path}[${i}]`;

/** "invalid value "x": why", the API server's way of refusing a value. */
export const invalid = (value: unknown, why: string): string => `invalid value ${quote(value)}: ${why}`;

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
export const entries = (v: unknown): [string, unknown][] => (isRecord(v) ? Object.entries(v) : []);
export const items = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
