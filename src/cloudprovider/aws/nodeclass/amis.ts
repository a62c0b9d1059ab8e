// spec.amiSelectorTerms → the AMIs nodes boot, newest first, each with the requirements an
// instance type must meet to use it (architecture; GPU/Neuron variant for alias AMIs).
import { type EC2Client, DescribeImagesCommand, type Filter, type Image } from "@aws-sdk/client-ec2";
import type { EC2NodeClass } from "../../../apis/ec2nodeclass.js";
import { ArchLabel } from "../../../apis/labels.js";
import { ConfigurationError } from "../../errors.js";
import type { RequirementSpec } from "../../types.js";
import { aliasOf } from "../amifamily.js";
import { ResolutionFailure, nodeClassMessage } from "../errors.js";
import { kubeArchitectures } from "../instancetype/shape.js";
import { aliasParameters, variantRequirements } from "./aliases.js";
import { describeTerms, tagFilters } from "./selectors.js";
import type { ParameterReader } from "./ssm.js";

export interface ResolvedAMI {
  id: string;
  name?: string;
  deprecated?: boolean;
  creationDate?: string;
  requirements: RequirementSpec[];
}

interface ImageQuery {
  filters: Filter[];
  owners?: string[];
  /** For images found through SSM: the requirement sets each image ID serves. */
  known?: Map<string, RequirementSpec[][]>;
}

/** Canonical text of a requirement set, to keep one (the newest) AMI per set. */
const requirementsKey = (reqs: RequirementSpec[]): string =>
  JSON.stringify([...reqs].map((r) => [r.key, r.operator, [...(r.values ?? [])].sort()]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))));

async function describeImages(ec2: EC2Client, q: ImageQuery): Promise<Image[]> {
  const out: Image[] = [];
  let token: string | undefined;
  do {
    const res = await ec2.send(
      new DescribeImagesCommand({
        Filters: [...q.filters, { Name: "state", Values: ["available"] }],
        ...(q.owners && q.owners.length > 0 ? { Owners: q.owners } : {}),
        IncludeDeprecated: true,
        NextToken: token,
      }),
    );
    out.push(...(res.Images ?? []));
    token = res.NextToken;
  } while (token);
  return out;
}

export interface AMIResolverDeps {
  ec2: EC2Client;
  parameters: ParameterReader;
  /** Kubernetes minor version of the cluster ("1.34"), for alias parameter paths. */
  kubernetesVersion: () => Promise<string>;
}

async function queriesFor(nodeClass: EC2NodeClass, deps: AMIResolverDeps): Promise<ImageQuery[]> {
  const name = nodeClass.metadata.name ?? "";
  const alias = aliasOf(nodeClass.spec);
  if (alias) {
    const field = "spec.amiSelectorTerms[0].alias";
    let k8s: string;
    try {
      k8s = await deps.kubernetesVersion();
    } catch (err) {
      throw new ResolutionFailure(name, field, "reading the cluster's Kubernetes version", err);
    }
    const known = new Map<string, RequirementSpec[][]>();
    // Every parameter must answer. One left out would drop its AMI (an architecture or variant)
    // from the status, and every node of that kind would look AMI-drifted.
    for (const p of aliasParameters(alias, k8s)) {
      let id: string | undefined;
      try {
        id = await deps.parameters.get(p.path, alias.version === "latest");
      } catch (err) {
        throw new ResolutionFailure(name, field, "ssm:GetParameter", err, p.path);
      }
      if (id) known.set(id, [...(known.get(id) ?? []), ...p.variants.map((v) => variantRequirements(v, alias))]);
    }
    if (known.size === 0) {
      throw new ConfigurationError(
        nodeClassMessage(
          name,
          field,
          `"${nodeClass.spec.amiSelectorTerms[0]?.alias}" found no AMI for Kubernetes ${k8s}`,
          "use a version published for this Kubernetes version, or \"latest\"",
        ),
      );
    }
    return [{ filters: [{ Name: "image-id", Values: [...known.keys()] }], known }];
  }
  const queries: ImageQuery[] = [];
  for (const [i, term] of nodeClass.spec.amiSelectorTerms.entries()) {
    if (term.ssmParameter) {
      let id: string | undefined;
      try {
        id = await deps.parameters.get(term.ssmParameter, true);
      } catch (err) {
        throw new ResolutionFailure(name, `spec.amiSelectorTerms[${i}].ssmParameter`, "ssm:GetParameter", err, term.ssmParameter);
      }
      if (!id) {
        throw new ConfigurationError(
          nodeClassMessage(name, `spec.amiSelectorTerms[${i}].ssmParameter`, `"${term.ssmParameter}" does not exist`, "create the parameter with an AMI ID as its value, or fix the name"),
        );
      }
      queries.push({ filters: [{ Name: "image-id", Values: [id] }] });
      continue;
    }
    const filters: Filter[] = [...tagFilters(term.tags)];
    if (term.id) filters.push({ Name: "image-id", Values: [term.id] });
    if (term.name) filters.push({ Name: "name", Values: [term.name] });
    // A name alone could match anyone's public AMI; like Karpenter, trust only ours and Amazon's then.
    const owners = term.owner ? [term.owner] : term.name && !term.id ? ["self", "amazon"] : undefined;
    queries.push({ filters, ...(owners ? { owners } : {}) });
  }
  return queries;
}

export async function resolveAMIs(nodeClass: EC2NodeClass, deps: AMIResolverDeps): Promise<ResolvedAMI[]> {
  const name = nodeClass.metadata.name ?? "";
  const queries = await queriesFor(nodeClass, deps);
  const byRequirements = new Map<string, ResolvedAMI>();
  for (const q of queries) {
    let images: Image[];
    try {
      images = await describeImages(deps.ec2, q);
    } catch (err) {
      throw new ResolutionFailure(name, "spec.amiSelectorTerms", "ec2:DescribeImages", err);
    }
    for (const image of images) {
      const arch = kubeArchitectures[image.Architecture ?? ""];
      if (!image.ImageId || !arch) continue;
      const sets = q.known?.get(image.ImageId) ?? [[]];
      for (const set of sets) {
        const requirements: RequirementSpec[] = [{ key: ArchLabel, operator: "In", values: [arch] }, ...set];
        const key = requirementsKey(requirements);
        const prev = byRequirements.get(key);
        if (prev && !supersedes(image, prev)) continue;
        byRequirements.set(key, {
          id: image.ImageId,
          ...(image.Name ? { name: image.Name } : {}),
          ...(image.DeprecationTime && Date.parse(image.DeprecationTime) <= Date.now() ? { deprecated: true } : {}),
          ...(image.CreationDate ? { creationDate: image.CreationDate } : {}),
          requirements,
        });
      }
    }
  }
  if (byRequirements.size === 0) {
    throw new ConfigurationError(
      nodeClassMessage(
        name,
        "spec.amiSelectorTerms",
        `matched no available AMI ${describeTerms(nodeClass.spec.amiSelectorTerms)}`,
        "check the AMI IDs, names, owners or tags (the AMIs must be available in this region and shared with the account)",
      ),
    );
  }
  return [...byRequirements.values()].sort((a, b) => (b.creationDate ?? "").localeCompare(a.creationDate ?? "") || a.id.localeCompare(b.id));
}

/** Whether `image` replaces `ami` for the same requirements: newer, or as new with a lower ID (a stable tie-break). */
function supersedes(image: Image, ami: ResolvedAMI): boolean {
  const c = (image.CreationDate ?? "").localeCompare(ami.creationDate ?? "");
  return c > 0 || (c === 0 && (image.ImageId ?? "") < ami.id);
}
