#!/usr/bin/env bash
# Builds the local control plane (etcd, kube-apiserver, kube-scheduler, kube-controller-manager, kubectl,
# kwok, helm) and Prometheus from the Go module proxy and installs moto's server into a virtualenv.
# Idempotent: each artefact lives in .cache/testenv/<name>-<version>/ and is skipped when present.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=versions.sh
source "$here/versions.sh"
cache="${TENON_TESTENV_CACHE:-$root/.cache/testenv}"
mkdir -p "$cache"
export GOFLAGS="${GOFLAGS:-} -mod=mod"
export CGO_ENABLED=0

log() { echo "[testenv] $*" >&2; }

# One build at a time per cache (test files run in parallel and may all call this script).
if command -v flock >/dev/null; then
  exec 9>"$cache/.build.lock"
  flock 9
fi

build_kubernetes() {
  local out="$cache/kubernetes-$K8S_VERSION"
  if [[ -x "$out/kube-apiserver" && -x "$out/kube-scheduler" && -x "$out/kube-controller-manager" && -x "$out/kubectl" ]]; then return; fi
  log "building kubernetes $K8S_VERSION (slow the first time)"
  local work; work=$(mktemp -d)
  local gomod; gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  local minor="v0${K8S_VERSION#v1}"
  # The staging modules are the ones kubernetes' own go.mod points into ./staging.
  local staging; staging=$(grep -oE 'k8s.io/[a-z0-9-]+ => ./staging' "$gomod" | awk '{print $1}' | sort -u)
  {
    echo "module tenon.local/kubebuild"
    echo "go 1.24"
    echo "require k8s.io/kubernetes $K8S_VERSION"
    for m in $staging; do echo "replace $m => $m $minor"; done
  } > "$work/go.mod"
  cat > "$work/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
  (cd "$work" && go mod tidy -e >/dev/null 2>&1 || true
   mkdir -p "$out.tmp"
   for cmd in kube-apiserver kube-scheduler kube-controller-manager kubectl; do
     go build -trimpath -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${minor#v0.}" \
       -o "$out.tmp/$cmd" "k8s.io/kubernetes/cmd/$cmd"
   done)
  rm -rf "$out" && mv "$out.tmp" "$out" && rm -rf "$work"
}

build_go_tool() { # name folder-version module-path package-path [extra ldflags] [module version]
  local name=$1 version=$2 module=$3 pkg=$4 ldflags=${5:-} modversion=${6:-$2}
  local out="$cache/$name-$version"
  if [[ -x "$out/$name" ]]; then return; fi
  log "building $name $version"
  # A wrapper module, because `go install pkg@version` refuses modules whose go.mod has replaces.
  local work; work=$(mktemp -d)
  printf 'module tenon.local/%sbuild\ngo 1.24\nrequire %s %s\n' "$name" "$module" "$modversion" > "$work/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$pkg" > "$work/tools.go"
  (cd "$work" && go mod tidy -e >/dev/null 2>&1 || true
   mkdir -p "$out.tmp" && go build -trimpath -ldflags "-s -w $ldflags" -o "$out.tmp/$name" "$pkg")
  rm -rf "$out" && mv "$out.tmp" "$out" && rm -rf "$work"
}

# The kwok binary ships no stages; kwokctl writes its defaults into kwok's config. The same
# default stages (node initialize + lease heartbeat, pod ready/complete/delete) are taken from
# the pinned kwok module so that they match the binary.
kwok_stages() {
  local out="$cache/kwok-$KWOK_VERSION"
  if [[ -f "$out/stages.yaml" ]]; then return; fi
  local dir; dir=$(cd /tmp && GOFLAGS= go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  local f
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
           pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    echo "---"; cat "$dir/kustomize/stage/$f"
  done > "$out/stages.yaml.tmp"
  mv "$out/stages.yaml.tmp" "$out/stages.yaml"
}

# helm reports (and checks charts' helm constraints against) the version set at link time, and
# renders charts for the Kubernetes version stamped at link time (helm's Makefile stamps the
# client-go it is built with; this stamps the cluster the tests run, so `helm template` checks a
# chart's kubeVersion against it without --kube-version). The folder names both versions.
helm_dir_version() { echo "$HELM_VERSION-k8s-$K8S_VERSION"; }
build_helm() {
  local minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
  local stamp="-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$minor"
  stamp="$stamp -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$minor"
  build_go_tool helm "$(helm_dir_version)" helm.sh/helm/v3 helm.sh/helm/v3/cmd/helm \
    "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION $stamp" "$HELM_VERSION"
}

# Prometheus' server (scraping, TSDB, the HTTP API; no web UI assets, which the tests do not need).
# `go install` (not the wrapper module) because prometheus' go.mod carries replace directives it needs.
build_prometheus() {
  local out="$cache/prometheus-$PROMETHEUS_VERSION"
  if [[ -x "$out/prometheus" ]]; then return; fi
  log "building prometheus $PROMETHEUS_VERSION (slow the first time)"
  local started=$SECONDS
  rm -rf "$out.tmp" && mkdir -p "$out.tmp"
  GOBIN="$out.tmp" go install -trimpath -ldflags "-s -w -X github.com/prometheus/common/version.Version=${PROMETHEUS_VERSION#v}" \
    "github.com/prometheus/prometheus/cmd/prometheus@$PROMETHEUS_VERSION"
  rm -rf "$out" && mv "$out.tmp" "$out"
  log "built prometheus $PROMETHEUS_VERSION in $((SECONDS - started))s"
}

install_moto() {
  local out="$cache/moto-$MOTO_VERSION"
  if [[ -f "$out/.complete" ]]; then return; fi
  log "installing moto[server] $MOTO_VERSION"
  # A venv is not relocatable, so it is made in place; the marker says the install finished.
  rm -rf "$out"
  python3 -m venv "$out"
  "$out/bin/pip" install --quiet "moto[server]==$MOTO_VERSION"
  touch "$out/.complete"
}

targets=("${@:-all}")
for t in "${targets[@]}"; do
  case "$t" in
    kubernetes) build_kubernetes ;;
    etcd) build_go_tool etcd "$ETCD_VERSION" go.etcd.io/etcd/server/v3 go.etcd.io/etcd/server/v3 ;;
    kwok) build_go_tool kwok "$KWOK_VERSION" sigs.k8s.io/kwok sigs.k8s.io/kwok/cmd/kwok; kwok_stages ;;
    helm) build_helm ;;
    moto) install_moto ;;
    prometheus) build_prometheus ;;
    all) build_kubernetes; build_go_tool etcd "$ETCD_VERSION" go.etcd.io/etcd/server/v3 go.etcd.io/etcd/server/v3
         build_go_tool kwok "$KWOK_VERSION" sigs.k8s.io/kwok sigs.k8s.io/kwok/cmd/kwok; kwok_stages
         build_helm; install_moto; build_prometheus ;;
    *) echo "unknown target $t (kubernetes, etcd, kwok, helm, moto, prometheus, all)" >&2; exit 2 ;;
  esac
done
echo "$cache"
