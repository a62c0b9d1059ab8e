// Windows: a PowerShell block that runs the user's commands, then the EKS bootstrap script.
import { type BootstrapOptions, base64, kubeletExtraArgs } from "./options.js";

export function windowsUserData(o: BootstrapOptions): string {
  let s = "<powershell>\n";
  if (o.customUserData) s += `${o.customUserData}\n`;
  s += '[string]$EKSBootstrapScriptFile = "$env:ProgramFiles\\Amazon\\EKS\\Start-EKSBootstrap.ps1"\n';
  s += `& $EKSBootstrapScriptFile -EKSClusterName '${o.clusterName}' -APIServerEndpoint '${o.clusterEndpoint}'`;
  if (o.caBundle) s += ` -Base64ClusterCA '${o.caBundle}'`;
  const args = kubeletExtraArgs(o);
  if (args.length > 0) s += ` -KubeletExtraArgs '${args.join(" ")}'`;
  const dns = o.kubelet.clusterDNS?.[0];
  if (dns) s += ` -DNSClusterIP '${dns}'`;
  s += "\n</powershell>";
  return base64(s);
}
