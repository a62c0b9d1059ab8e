// Where AWS publishes the EKS-optimized AMIs of each alias family: public SSM parameters, one per
// architecture and variant. Accelerated variants (nvidia, neuron) are separate AMIs; the variant
// becomes a requirement so GPU instances get the GPU AMI and the others the standard one.
import type { Alias } from "../amifamily.js";
import type { RequirementSpec } from "../../types.js";
import { InstanceAcceleratorCountLabel, InstanceGPUCountLabel, OSLabel, WindowsBuildLabel } from "../../../apis/labels.js";
import { familyTraits } from "../amifamily.js";

export type Variant = "standard" | "nvidia" | "neuron" | "windows";

export interface AliasParameter {
  path: string;
  /** Requirement sets the AMI behind the path satisfies (one per variant it serves). */
  variants: Variant[];
}

export function variantRequirements(v: Variant, alias: Alias): RequirementSpec[] {
  switch (v) {
    case "standard":
      return [
        { key: InstanceAcceleratorCountLabel, operator: "DoesNotExist" },
        { key: InstanceGPUCountLabel, operator: "DoesNotExist" },
      ];
    case "nvidia":
      return [{ key: InstanceGPUCountLabel, operator: "Exists" }];
    case "neuron":
      return [{ key: InstanceAcceleratorCountLabel, operator: "Exists" }];
    case "windows":
      return [
        { key: OSLabel, operator: "In", values: ["windows"] },
        { key: WindowsBuildLabel, operator: "In", values: [familyTraits(alias.family).windowsBuild ?? ""] },
      ];
  }
}

/** The SSM parameters to read for an alias at a Kubernetes minor version like "1.34". */
export function aliasParameters(alias: Alias, k8sVersion: string): AliasParameter[] {
  const latest = alias.version === "latest";
  switch (alias.family) {
    case "AL2023": {
      const out: AliasParameter[] = [];
      const variants: [string, Variant[]][] = [
        ["x86_64", ["standard", "nvidia", "neuron"]],
        ["arm64", ["standard", "nvidia"]],
      ];
      for (const [arch, vs] of variants) {
        for (const v of vs) {
          const leaf = latest ? "recommended" : `amazon-eks-node-al2023-${arch}-${v}-${k8sVersion}-${alias.version}`;
          out.push({ path: `/aws/service/eks/optimized-ami/${k8sVersion}/amazon-linux-2023/${arch}/${v}/${leaf}/image_id`, variants: [v] });
        }
      }
      return out;
    }
    case "AL2": {
      const leaf = (prefix: string) => (latest ? "recommended" : `${prefix}-${k8sVersion}-${alias.version}`);
      return [
        { path: `/aws/service/eks/optimized-ami/${k8sVersion}/amazon-linux-2/${leaf("amazon-eks-node")}/image_id`, variants: ["standard"] },
        { path: `/aws/service/eks/optimized-ami/${k8sVersion}/amazon-linux-2-arm64/${leaf("amazon-eks-arm64-node")}/image_id`, variants: ["standard"] },
        // One AL2 GPU AMI serves both NVIDIA and Neuron instances.
        { path: `/aws/service/eks/optimized-ami/${k8sVersion}/amazon-linux-2-gpu/${leaf("amazon-eks-gpu-node")}/image_id`, variants: ["neuron", "nvidia"] },
      ];
    }
    case "Bottlerocket": {
      // Bottlerocket versions carry a "v" on GitHub but not in SSM; accept both.
      const version = alias.version.replace(/^v/, "");
      return [
        { path: `/aws/service/bottlerocket/aws-k8s-${k8sVersion}/x86_64/${version}/image_id`, variants: ["standard", "neuron"] },
        { path: `/aws/service/bottlerocket/aws-k8s-${k8sVersion}/arm64/${version}/image_id`, variants: ["standard"] },
        { path: `/aws/service/bottlerocket/aws-k8s-${k8sVersion}-nvidia/x86_64/${version}/image_id`, variants: ["nvidia"] },
        { path: `/aws/service/bottlerocket/aws-k8s-${k8sVersion}-nvidia/arm64/${version}/image_id`, variants: ["nvidia"] },
      ];
    }
    case "Windows2019":
    case "Windows2022":
    case "Windows2025": {
      const year = alias.family.slice("Windows".length);
      return [{ path: `/aws/service/ami-windows-latest/Windows_Server-${year}-English-Core-EKS_Optimized-${k8sVersion}/image_id`, variants: ["windows"] }];
    }
    case "Custom":
      return [];
  }
}
