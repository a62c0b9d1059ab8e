# Pinned versions of the local control plane and AWS stand-in. Changing one rebuilds only it.
K8S_VERSION=v1.34.4
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.8.0
HELM_VERSION=v3.22.0
MOTO_VERSION=5.2.5
PROMETHEUS_VERSION=v0.316.0
