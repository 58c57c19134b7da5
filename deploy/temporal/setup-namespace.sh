#!/bin/sh
# One-shot, once the server answers: the namespace and the search attributes deploywatch's
# monitors set (src/workflows/search-attributes.ts). The bridge finds monitors by Service.
set -eu
ADDRESS="${TEMPORAL_ADDRESS:?}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"

until temporal operator cluster health --address "$ADDRESS"; do
  echo "waiting for the Temporal server at $ADDRESS"
  sleep 2
done

temporal operator namespace describe --namespace "$NAMESPACE" --address "$ADDRESS" >/dev/null 2>&1 ||
  temporal operator namespace create --namespace "$NAMESPACE" --retention 30d --address "$ADDRESS"

for name in DeploymentId Service MonitorPhase MonitorHealth; do
  if temporal operator search-attribute list --namespace "$NAMESPACE" --address "$ADDRESS" | grep -qw "$name"; then
    echo "search attribute $name exists"
  else
    temporal operator search-attribute create --namespace "$NAMESPACE" --name "$name" --type Keyword --address "$ADDRESS"
  fi
done
