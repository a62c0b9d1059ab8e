// The AWS SDK clients the provider uses, built once with the same endpoint settings a user gives
// for VPC endpoints (or a local moto in tests).
import { EC2Client } from "@aws-sdk/client-ec2";
import { IAMClient } from "@aws-sdk/client-iam";
import { PricingClient } from "@aws-sdk/client-pricing";
import { SSMClient } from "@aws-sdk/client-ssm";

export interface AWSClients {
  ec2: EC2Client;
  iam: IAMClient;
  ssm: SSMClient;
  pricing: PricingClient;
}

export interface AWSClientSettings {
  region: string;
  /** Per-service endpoint overrides; `default` applies to every service without its own. */
  endpoints?: { default?: string; ec2?: string; iam?: string; ssm?: string; pricing?: string };
  /** Static credentials (tests); omit to use the SDK's default provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** SDK retry attempts per call (throttling and 5xx are retried with backoff). */
  maxAttempts?: number;
}

/** The Pricing API lives in a few regions only; us-east-1 serves every partition's public prices. */
export const PRICING_REGION = "us-east-1";

export function createAWSClients(s: AWSClientSettings): AWSClients {
  const base = (endpoint: string | undefined, region = s.region) => ({
    region,
    ...(endpoint ? { endpoint } : {}),
    ...(s.credentials ? { credentials: s.credentials } : {}),
    maxAttempts: s.maxAttempts ?? 3,
  });
  const e = s.endpoints ?? {};
  return {
    ec2: new EC2Client(base(e.ec2 ?? e.default)),
    // IAM is global: its endpoint answers for every region, so the SDK's region only signs.
    iam: new IAMClient(base(e.iam ?? e.default)),
    ssm: new SSMClient(base(e.ssm ?? e.default)),
    pricing: new PricingClient(base(e.pricing ?? e.default, PRICING_REGION)),
  };
}
