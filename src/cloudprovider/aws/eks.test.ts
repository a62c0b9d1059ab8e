import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { factsOfCluster } from "./eks.js";

describe("factsOfCluster", () => {
  it("reads endpoint, CA and the IPv4 service CIDR", () => {
    const f = factsOfCluster({
      endpoint: "https://ABC.gr7.us-west-2.eks.amazonaws.com",
      certificateAuthority: { data: "LS0tLS1CRUdJTg==" },
      kubernetesNetworkConfig: { ipFamily: "ipv4", serviceIpv4Cidr: "10.100.0.0/16" },
    });
    assert.deepEqual(f, { endpoint: "https://ABC.gr7.us-west-2.eks.amazonaws.com", caBundle: "LS0tLS1CRUdJTg==", serviceCIDR: "10.100.0.0/16", ipFamily: "ipv4" });
  });

  it("takes the IPv6 service CIDR on an IPv6 cluster, though EKS reports an IPv4 one too", () => {
    const f = factsOfCluster({ kubernetesNetworkConfig: { ipFamily: "ipv6", serviceIpv4Cidr: "172.20.0.0/16", serviceIpv6Cidr: "fd30:1c53:5f8a::/108" } });
    assert.equal(f.serviceCIDR, "fd30:1c53:5f8a::/108");
    assert.equal(f.ipFamily, "ipv6");
  });

  it("leaves out what EKS does not say (a cluster still creating)", () => {
    assert.deepEqual(factsOfCluster({ status: "CREATING" }), {});
    assert.deepEqual(factsOfCluster(undefined), {});
  });
});
