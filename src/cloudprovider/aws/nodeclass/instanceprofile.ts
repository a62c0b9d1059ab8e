// spec.role → an instance profile tenon creates, tags and deletes with the node class; or
// spec.instanceProfile, used as given once it is known to exist.
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  DeleteInstanceProfileCommand,
  GetInstanceProfileCommand,
  type IAMClient,
  type InstanceProfile,
  RemoveRoleFromInstanceProfileCommand,
} from "@aws-sdk/client-iam";
import { createHash } from "node:crypto";
import type { EC2NodeClass } from "../../../apis/ec2nodeclass.js";
import { EC2NodeClassTag, EKSClusterNameTag, RegionLabel, clusterOwnershipTag } from "../../../apis/labels.js";
import { ConfigurationError } from "../../errors.js";
import { ResolutionFailure, isAlreadyExists, isNotFound, nodeClassMessage } from "../errors.js";

export interface InstanceProfileDeps {
  iam: IAMClient;
  clusterName: string;
  region: string;
}

/**
 * The name of the profile tenon manages for a node class: deterministic, so a crash between create
 * and status update finds the same profile again rather than leaking one. IAM allows 128 characters.
 */
export function instanceProfileName(clusterName: string, region: string, nodeClassName: string): string {
  const hash = createHash("sha256").update(`${region}/${nodeClassName}`).digest("hex").slice(0, 16);
  return `${clusterName.slice(0, 128 - 18)}_${hash}`;
}

/** Tags of a managed profile: the keys Karpenter's IAM policy scopes instance-profile calls by. */
export function instanceProfileTags(clusterName: string, region: string, nodeClassName: string, userTags: Record<string, string> | undefined): Record<string, string> {
  return { ...(userTags ?? {}), [clusterOwnershipTag(clusterName)]: "owned", [EKSClusterNameTag]: clusterName, [EC2NodeClassTag]: nodeClassName, [RegionLabel]: region };
}

/** A role may be given as a name, a path/name or an ARN; IAM's role APIs want the bare name. */
export const roleName = (role: string): string => role.split("/").pop() ?? role;

async function getProfile(iam: IAMClient, name: string): Promise<InstanceProfile | undefined> {
  try {
    return (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }))).InstanceProfile;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Ensures the node class's instance profile exists (with its role) and returns its name. */
export async function ensureInstanceProfile(nodeClass: EC2NodeClass, deps: InstanceProfileDeps): Promise<string> {
  const ncName = nodeClass.metadata.name ?? "";
  const given = nodeClass.spec.instanceProfile;
  if (given !== undefined) {
    let profile: InstanceProfile | undefined;
    try {
      profile = await getProfile(deps.iam, given);
    } catch (err) {
      throw new ResolutionFailure(ncName, "spec.instanceProfile", "iam:GetInstanceProfile", err);
    }
    if (!profile) {
      throw new ConfigurationError(nodeClassMessage(ncName, "spec.instanceProfile", `"${given}" does not exist`, "create the instance profile (with the node role) or set spec.role to let tenon manage one"));
    }
    return given;
  }
  const role = nodeClass.spec.role;
  if (role === undefined) throw new ConfigurationError(nodeClassMessage(ncName, "spec.role", "is not set (nor spec.instanceProfile)", "set one of them"));
  const name = instanceProfileName(deps.clusterName, deps.region, ncName);
  const wanted = roleName(role);
  let action = "iam:GetInstanceProfile";
  try {
    let profile = await getProfile(deps.iam, name);
    if (!profile) {
      action = "iam:CreateInstanceProfile";
      try {
        const tags = instanceProfileTags(deps.clusterName, deps.region, ncName, nodeClass.spec.tags);
        profile = (await deps.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: name, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }))).InstanceProfile;
      } catch (err) {
        // Another replica (or our previous life) created it a moment ago.
        if (!isAlreadyExists(err)) throw err;
        profile = await getProfile(deps.iam, name);
      }
    }
    const roles = profile?.Roles ?? [];
    if (roles.some((r) => r.RoleName === wanted)) return name;
    // A profile holds at most one role: replace whatever is there (the node class's role changed).
    action = "iam:RemoveRoleFromInstanceProfile";
    for (const r of roles) if (r.RoleName) await deps.iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: name, RoleName: r.RoleName }));
    action = "iam:AddRoleToInstanceProfile";
    await deps.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: wanted }));
    return name;
  } catch (err) {
    if (isNotFound(err) && action === "iam:AddRoleToInstanceProfile") {
      throw new ConfigurationError(nodeClassMessage(ncName, "spec.role", `"${role}" does not exist`, "create the node role (with the EKS worker policies) or fix the name"));
    }
    throw new ResolutionFailure(ncName, "spec.role", action, err);
  }
}

/** Deletes the profile tenon made for the node class (no-op for a given spec.instanceProfile). */
export async function deleteInstanceProfile(nodeClass: EC2NodeClass, deps: InstanceProfileDeps): Promise<void> {
  if (nodeClass.spec.instanceProfile !== undefined) return;
  const name = instanceProfileName(deps.clusterName, deps.region, nodeClass.metadata.name ?? "");
  const profile = await getProfile(deps.iam, name);
  if (!profile) return;
  for (const r of profile.Roles ?? []) {
    if (r.RoleName) await deps.iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: name, RoleName: r.RoleName }));
  }
  try {
    await deps.iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: name }));
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
