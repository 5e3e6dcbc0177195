#!/usr/bin/env bash
# kubectl for the Kubernetes manifests' test (kubectl kustomize renders docker/kubernetes). Idempotent: any kubectl
# already on PATH is used; otherwise Debian's kubernetes-client (kubectl 1.20, whose kustomize the manifests keep to).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if command -v kubectl >/dev/null 2>&1; then
  echo "[setup-kubectl] $(kubectl version --client 2>/dev/null | head -1) already installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "[setup-kubectl] kubectl is missing and this is not root: run 'sudo apt-get install -y kubernetes-client' (the Kubernetes manifests' test needs it)." >&2
  exit 1
fi
echo "[setup-kubectl] installing Debian's kubernetes-client"
apt-get update -qq
apt-get install -y -qq --no-install-recommends kubernetes-client >/dev/null
kubectl version --client 2>/dev/null | head -1
